from django.contrib import admin

from .models import Answer, Invitation, Question, Questionnaire, Response, Stakeholder


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "kind", "role", "steering_group"]
    list_filter = ["kind", "role", "steering_group"]


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "audience", "wave", "closes_on"]
    inlines = [QuestionInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["questionnaire", "email", "sent_at", "expires_at", "used_at"]
    exclude = ["token_hash"]


for model in (Question, Response, Answer):
    admin.site.register(model)
