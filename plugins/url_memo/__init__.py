from url_memo.url_memo import register

__all__ = ["register"]
