"""Moving house: bring a blog's posts, pages, images and comments here from another platform.

Not a Pelican plugin: nothing here runs during a build. Each importer is called by its invoke
task (``import-wordpress``, ``import-disqus``) and writes ordinary content files and comment
stores, which the site's own plugins then build like any other.
"""
