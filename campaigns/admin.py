from django.contrib import admin

from campaigns.models import Campaign, Spend, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["name", "utm_content", "description"]


class SpendInline(admin.TabularInline):
    model = Spend
    extra = 0
    fields = ["date", "amount", "note"]
    ordering = ["-date"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "status", "objective", "start_date", "end_date", "budget", "owner", "archived"]
    list_filter = ["channel", "status", "objective", "archived"]
    search_fields = ["name", "slug", "utm_campaign"]
    date_hierarchy = "start_date"
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [VariantInline, SpendInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "utm_content"]
    list_filter = ["campaign__channel"]
    search_fields = ["name", "utm_content", "campaign__name", "campaign__utm_campaign"]
    list_select_related = ["campaign"]
    autocomplete_fields = ["campaign"]


@admin.register(Spend)
class SpendAdmin(admin.ModelAdmin):
    list_display = ["date", "campaign", "amount", "note"]
    list_filter = ["campaign__channel"]
    search_fields = ["campaign__name", "campaign__utm_campaign", "note"]
    date_hierarchy = "date"
    list_select_related = ["campaign"]
    autocomplete_fields = ["campaign"]
    readonly_fields = ["created_at"]
