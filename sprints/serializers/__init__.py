"""The sprints app's serializers, by concept, beside its endpoints in ``sprints/api/``:
sprints and impediments (``sprints.py``), the calendar, the daily, the retrospective,
the review and planning poker."""
