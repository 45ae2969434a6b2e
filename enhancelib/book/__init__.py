"""The Jupyter Book around the notebooks: build, serve, and the reproduce page.

:mod:`enhancelib.book.build`     build the site and fail on any warning
:mod:`enhancelib.book.serve`     serve the built site on 127.0.0.1 (tests, previews)
:mod:`enhancelib.book.reproduce` tables of the commands behind every recorded number
"""
