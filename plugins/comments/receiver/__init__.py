"""The comment receiver: a WSGI application that takes readers' comments from the site's form,
checks them and hands them to the arrival desk (``receive_comment``), and serves them to the
writer's `invoke comments-fetch`. `invoke comments-receive` runs it with waitress; see the
README's "The receiver" for gunicorn behind a reverse proxy."""

from comments.receiver.app import Receiver, make_app

__all__ = ["Receiver", "make_app"]
