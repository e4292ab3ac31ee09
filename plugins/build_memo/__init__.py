from build_memo.build_memo import CachedMarkdownReader, register

__all__ = ["CachedMarkdownReader", "register"]
