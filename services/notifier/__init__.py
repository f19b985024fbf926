"""The read side: keeps each meeting's latest picture in Redis, streams it to displays, sends e-mail."""
