# Employer portal and WSP pages (filled by the portal work).
urlpatterns = []
