"""Figures and HTML reports, drawn without pyplot and by one set of conventions (``figures``)."""
