"""One module (or a few) per chapter: the tables, figures and sentences its cells call.

``uegan``, ``glenet``, ``qagan``, ``bncagan`` and ``comparison`` turn recorded runs into what their
chapter and its lab-notes page show, so that a chapter's cells hold the lesson and short calls.
"""
