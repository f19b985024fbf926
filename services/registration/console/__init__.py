"""The operator console and the delegation page: jinja2 templates and static files, no build step."""
