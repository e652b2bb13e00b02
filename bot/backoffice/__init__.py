"""The firm's back office: the database, intake store, summaries, notifications, reminders,
erasure, retention and the staff command line. Uses bot.rules; knows nothing of Rasa."""
