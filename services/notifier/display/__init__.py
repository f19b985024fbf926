"""The room display: one full-screen page per meeting, served by the notifier at /display/{meeting_id}.

The page (templates/display.html, static/display.css, static/display.js: no build step) reads the
meeting's live stream and counts the speaker's time down locally; its labels come from i18n.py in the
six official languages of the United Nations."""
