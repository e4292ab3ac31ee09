"""The moderation desk in the browser (`python3 dev.py comments-desk`): a local page, for the
writer only, that reads the queue and takes each step through comments.desk.moderation."""
