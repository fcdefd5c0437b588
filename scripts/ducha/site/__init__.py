"""The site as data: ``inputs`` (everything a build needs, gathered once), ``pages`` (``SiteBuilder``: every page
as a ``SitePage``), ``auditpages`` (the 审计 pages), ``sitedir`` (the atomic swap of ``site/``)."""
