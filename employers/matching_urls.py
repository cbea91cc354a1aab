# Matching, boards and candidate pages (filled by the matching work).
urlpatterns = []
