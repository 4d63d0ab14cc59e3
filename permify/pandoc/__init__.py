"""The pandoc filter (`permify-filter`): the panflute filter (:mod:`.filter`) and how its
options are read (:mod:`.config`)."""
