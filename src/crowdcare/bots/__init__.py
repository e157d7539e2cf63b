"""The FAQ bot: a workspace's knowledge base answers its customers' frequent questions in
private threads, serves order status itself, and hands everything else to a person.

    knowledge base   kb.py (entries, a version per language), transfer.py (CSV, Markdown)
    retrieval        embed.py (sentence embeddings), retrieval.py (candidates and features)
    confidence       confidence.py (learned re-scoring), decide.py (answer or not, and why)
    answering        respond.py (the pipeline's hook), orders.py, handoff.py, phrases.py
    insight          suggest.py (suggested FAQs from history), metrics.py (per entry)
    measured         evaluate.py, corpus.py, train.py (`crowdcare bot eval|corpus|train`)
"""
