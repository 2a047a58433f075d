"""Reading and writing letters: inputs (text, PDF, JSONL), records (`imr/1`), streaming annotation."""
