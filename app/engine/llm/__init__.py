"""The LLM engine (LangChain + an OpenAI-compatible endpoint), used only when one is configured."""
