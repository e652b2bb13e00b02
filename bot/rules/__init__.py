"""The rules engine: pure functions and data (YAML the firm's attorneys review). It knows
nothing of Rasa, of databases or of the back office."""
