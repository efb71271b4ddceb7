"""The scripted `mlebench/baseline` model: no LLM, real tool calls through whichever agent runs it."""
