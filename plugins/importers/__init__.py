"""Moving a blog here from another system: WordPress posts and pages, Disqus comments."""
