# Savings model, replenishment and social impact bonds (filled by the savings work).
urlpatterns = []
