"""Portal views, one module per topic. Every view is wrapped by `tamin.portal.access.portal_view`."""
