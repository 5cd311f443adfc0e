"""The model: a MiniLM encoder and small heads. Plain Python: no Django imports here."""
