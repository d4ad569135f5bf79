"""The settings pages under /p/<slug>/settings/, the all-products page and the invitation
link. Every member reads them (write controls hidden); the PM manages the product, its
teams and members; the PM and POs edit the workflow and the checklists."""
