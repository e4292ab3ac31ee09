from minify.minify import MINIFIERS, minify_folder, register

__all__ = ["MINIFIERS", "minify_folder", "register"]
