"""Thin rasa-sdk actions: they read the tracker, ask the engine in bot/, and reply."""
