"""Document formats: one adapter per format behind the interface in :mod:`permify.formats.base`.

Each format is a subpackage whose ``__init__`` declares, as plain data, its name, its file
suffixes and its adapter class; the adapter module (and the parsing library it needs) is
imported only when a document of that format is read.
"""
