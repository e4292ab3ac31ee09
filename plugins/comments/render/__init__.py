"""Rendering in the build: approved comments threaded under their posts, their JSON and their feeds."""
