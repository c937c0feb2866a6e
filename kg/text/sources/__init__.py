"""Documents that are not plain text, read to the text the extractor reads (kg.text.read dispatches).

web (HTML: trafilatura for the main text, the page's metadata as candidates), pdf (pypdf's text
layer), word (.docx with python-docx). Each returns text with one paragraph or line of print per
line, or raises kg.errors.InputError with the reason it cannot be read. Imports only kg.errors.
"""
