# Consultant profiles, coaching sessions, intervision and competencies arrive with the
# consultant's daily-work issue.
