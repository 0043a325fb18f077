"""The fixed ingredients of the demo data: people, companies, campaigns and what sales writes.

Only data lives here; demo.simulation draws from it with a seeded random generator.
"""

from dataclasses import dataclass

from campaigns.models import Campaign, Channel

FIRST_NAMES = [
    "Ada", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Katja", "Lars",
    "Mara", "Nils", "Olivia", "Paul", "Quinn", "Rosa", "Simon", "Tara", "Uwe", "Vera", "Wim", "Xenia",
    "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dana", "Emil", "Fatima", "Georg", "Hannah", "Ivan", "Julia",
    "Kofi", "Lena", "Marco", "Noor", "Oskar", "Priya", "Rafael", "Sofia", "Tomas", "Ulla", "Viktor", "Wen",
]  # fmt: skip
LAST_NAMES = [
    "Adler", "Berg", "Costa", "Dietrich", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jansen",
    "Keller", "Lang", "Meyer", "Nowak", "Olsen", "Peters", "Quast", "Richter", "Schmidt", "Thomsen",
    "Ulrich", "Vogel", "Weber", "Yilmaz", "Zimmer", "Baker", "Clarke", "Dubois", "Evans", "Fontaine",
    "Green", "Hughes", "Ito", "Jones", "Kowalski", "Laurent", "Martin", "Nakamura", "O'Brien", "Patel",
    "Rossi", "Singh", "Taylor", "van Dijk", "Walsh", "Young", "Zhang", "Moreau",
]  # fmt: skip
COMPANY_STEMS = [
    "Nordwind", "Bluepeak", "Kestrel", "Lumen", "Fjord", "Brightline", "Copperleaf", "Helix", "Ironbark",
    "Juniper", "Kinetic", "Larch", "Meridian", "Nimbus", "Orbit", "Pinecrest", "Quarry", "Redwood",
    "Saltmarsh", "Tidewater", "Umbra", "Vantage", "Willow", "Yarrow", "Zephyr", "Alder", "Beacon",
    "Cobalt", "Driftwood", "Ember", "Falcon", "Granite", "Harbor", "Indigo", "Jetstream", "Keystone",
]  # fmt: skip
COMPANY_KINDS = ["Labs", "Systems", "Software", "Logistics", "Health", "Retail", "Works", "Analytics", "Pay", "Group"]
LEGAL_FORMS = {"DE": "GmbH", "AT": "GmbH", "CH": "AG", "NL": "B.V.", "GB": "Ltd", "FR": "SAS", "US": "Inc."}
TLDS = {"DE": "de", "AT": "at", "CH": "ch", "NL": "nl", "GB": "co.uk", "FR": "fr", "US": "com"}
PERSONAL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "web.de", "gmx.de", "hotmail.com"]

ICP_INDUSTRIES = ["software", "fintech", "e-commerce"]
OTHER_INDUSTRIES = ["retail", "manufacturing", "healthcare", "education", "logistics", "public sector", "agency"]
ICP_COUNTRIES = ["DE", "AT", "CH", "NL", "GB"]
OTHER_COUNTRIES = ["US", "FR", "ES", "IT", "PL", "SE", "IN", "BR"]
SENIOR_TITLES = [
    "Head of Marketing", "Head of Sales", "Head of Revenue Operations", "Director of Growth", "Sales Director",
    "VP Sales", "VP Marketing", "Chief Revenue Officer", "CTO", "Director of Operations",
]  # fmt: skip
OTHER_TITLES = [
    "Marketing Manager", "Sales Manager", "Account Executive", "Growth Marketer", "Software Engineer",
    "Operations Specialist", "Consultant", "Founder", "Office Manager", "Student", "Intern", "Analyst",
]  # fmt: skip
PAGES = ["/pricing", "/demo", "/product", "/blog/pipeline-hygiene", "/customers", "/ebook/state-of-revops", "/"]
SITE_ORIGIN = "https://tandem.example"
# The website's capture forms, by the pages that carry them; every other page has the newsletter box.
CAPTURE_FORMS = [
    ("Demo request", ["/demo", "/pricing"]),
    ("E-book download", ["/ebook/state-of-revops"]),
    ("Newsletter sign-up", []),
]

ICP = {
    "industries": ICP_INDUSTRIES,
    "company_size_min": 50,
    "company_size_max": 5000,
    "countries": ICP_COUNTRIES,
    "title_keywords": ["head", "director", "vp", "chief", "cto"],
    "mql_threshold": 50,
}
# (name, field, operator, value, points)
SCORING_RULES = [
    ("Target industry", "industry", "in", ",".join(ICP_INDUSTRIES), 25),
    ("Mid-market or larger", "company_size", "gte", "50", 10),
    ("Enterprise", "company_size", "gte", "1000", 10),
    ("Head of a team", "title", "contains", "head", 20),
    ("Director", "title", "contains", "director", 20),
    ("Core market", "country", "in", ",".join(ICP_COUNTRIES), 10),
    ("Left a phone number", "phone", "present", "", 10),
    ("Came by referral", "source", "equals", Channel.REFERRAL, 15),
    ("Personal e-mail address", "email_domain", "in", ",".join(PERSONAL_DOMAINS), -25),
    ("Student", "title", "contains", "student", -30),
]


@dataclass(frozen=True)
class CampaignSpec:
    """A demo campaign. Dates are fractions of the seeded span (0 = first day, 1 = today)."""

    name: str
    channel: str
    objective: str
    starts: float
    ends: float | None  # None: open-ended
    traffic: float  # relative share of the visits while it runs
    quality: float  # 0..1: how well its leads fit the ICP
    spend: str  # "daily", "weekly" or "once"
    cost: int  # per day, per week, or once, in whole currency units
    utm: tuple  # (utm_source, utm_medium) pairs, each attributing to `channel`
    paused_at: float | None = None
    terms: tuple = ()


O = Campaign.Objective  # noqa: E741
CAMPAIGNS = [
    CampaignSpec("Brand search", Channel.PAID_SEARCH, O.LEAD_GENERATION, -0.4, None, 3.0, 0.6, "daily", 180,
                 (("google", "cpc"), ("bing", "cpc")), terms=("tandem crm", "tandem pricing", "tandem demo")),
    CampaignSpec("Competitor keywords", Channel.PAID_SEARCH, O.LEAD_GENERATION, 0.1, None, 2.0, 0.45, "daily", 220,
                 (("google", "cpc"),), terms=("crm alternative", "hubspot alternative", "sales handoff tool")),
    CampaignSpec("LinkedIn ABM", Channel.PAID_SOCIAL, O.LEAD_GENERATION, 0.0, None, 2.0, 0.75, "daily", 260,
                 (("linkedin", "cpc"), ("linkedin", "paid_social"))),
    CampaignSpec("Facebook retargeting", Channel.PAID_SOCIAL, O.AWARENESS, -0.2, None, 1.4, 0.3, "daily", 90,
                 (("facebook", "paid_social"), ("instagram", "cpc")), paused_at=0.7),
    CampaignSpec("Monthly newsletter", Channel.EMAIL, O.NURTURE, -1.0, None, 1.5, 0.5, "weekly", 150,
                 (("newsletter", "email"), ("hubspot", "newsletter"))),
    CampaignSpec("Launch nurture sequence", Channel.EMAIL, O.NURTURE, 0.5, 0.8, 2.5, 0.55, "weekly", 300,
                 (("hubspot", "email"),)),
    CampaignSpec("Company page", Channel.ORGANIC_SOCIAL, O.AWARENESS, -1.0, None, 1.0, 0.45, "weekly", 120,
                 (("linkedin", "social"), ("twitter", "social"))),
    CampaignSpec("Founder threads", Channel.ORGANIC_SOCIAL, O.AWARENESS, 0.2, None, 0.6, 0.3, "weekly", 60,
                 (("x", "social"), ("linkedin", "social_media"))),
    CampaignSpec("State of RevOps report", Channel.CONTENT, O.LEAD_GENERATION, 0.2, None, 1.8, 0.6, "weekly", 400,
                 (("blog", "content"), ("google", "organic"))),
    CampaignSpec("Blog and SEO", Channel.CONTENT, O.AWARENESS, -1.0, None, 1.5, 0.4, "weekly", 250,
                 (("blog", "blog"), ("google", "seo"))),
    CampaignSpec("SaaStr Europa booth", Channel.EVENTS, O.LEAD_GENERATION, 0.35, 0.4, 6.0, 0.6, "once", 18000,
                 (("saastr", "event"),)),
    CampaignSpec("RevOps meetups", Channel.EVENTS, O.NURTURE, 0.6, 0.9, 1.5, 0.5, "weekly", 700,
                 (("meetup", "events"),)),
    CampaignSpec("Pipeline hygiene webinar", Channel.WEBINAR, O.LEAD_GENERATION, 0.15, 0.25, 4.0, 0.65, "once", 2500,
                 (("zoom", "webinar"),)),
    CampaignSpec("Customer panel webinar", Channel.WEBINAR, O.NURTURE, 0.7, 0.78, 4.0, 0.7, "once", 3000,
                 (("on24", "webinar"),)),
    CampaignSpec("Partner program", Channel.REFERRAL, O.LEAD_GENERATION, -1.0, None, 1.0, 0.8, "weekly", 500,
                 (("partner-portal", "referral"), ("agency-partners", "partner"))),
    CampaignSpec("Customer referrals", Channel.REFERRAL, O.LEAD_GENERATION, 0.3, None, 0.7, 0.85, "weekly", 200,
                 (("customer", "referral"),)),
    CampaignSpec("Executive gift box", Channel.DIRECT_MAIL, O.LEAD_GENERATION, 0.45, 0.55, 1.2, 0.75, "once", 9000,
                 (("giftbox", "direct_mail"),)),
    CampaignSpec("Postcard wave", Channel.DIRECT_MAIL, O.AWARENESS, 0.8, 0.9, 1.0, 0.35, "once", 4000,
                 (("postcard", "print"),)),
    CampaignSpec("Podcast sponsorship", Channel.OTHER, O.AWARENESS, 0.1, 0.6, 1.0, 0.4, "weekly", 800,
                 (("revops-podcast", "audio"),)),
    CampaignSpec("Trade fair next quarter", Channel.OTHER, O.AWARENESS, 1.3, 1.4, 0.0, 0.5, "once", 25000,
                 (("tradefair", "booth"),)),
]  # fmt: skip
DIRECT_TRAFFIC = 2.0

# What a rep writes when rejecting, per reason. {company}, {title}, {country} are filled in.
FEEDBACK = {
    "not_icp_fit": [
        "{company} is far outside our segment; they need a simple contact list, not a pipeline.",
        "{title} at a company this size will not buy; nobody owns revenue operations there.",
        "Agency reselling to their clients, not an end customer. Please exclude agencies from this campaign.",
    ],
    "no_budget": [
        "Interested, but budget for new tools is frozen until next fiscal year.",
        "They are on a free spreadsheet setup and have no budget line for software this year.",
        "Procurement said no new vendors before the reorg at {company} is done.",
    ],
    "bad_contact_data": [
        "Phone number is dead and two e-mails bounced.",
        "The e-mail belongs to someone who left {company} in spring; no forwarding.",
        "Fake name in the form and a disposable address; likely a competitor checking pricing.",
    ],
    "duplicate": [
        "Same person as an open opportunity under a second address; merged the notes there.",
        "Colleague from {company} already in talks with us; this one is a duplicate contact.",
    ],
    "not_ready": [
        "Researching for next year; asked us to come back after their planning in Q3.",
        "Downloaded the report for a university course of a colleague; maybe later.",
        "Liked the webinar but they are mid-migration; nurture and retry in two months.",
        "Wants to see the customer case studies first; not ready for a call.",
    ],
    "other": [
        "Looking for a job, not for software. Passed to HR.",
        "Asked only about an integration we do not have; logged as a feature request.",
    ],
}
CONTEXT_NOTES = [
    "Talked at our booth; wants a demo for the whole team.",
    "Asked in the chat about pricing for 20 seats.",
    "Opened every mail of the launch sequence and visited pricing twice.",
    "Referred by an existing customer; knows our product already.",
    "Downloaded the report and booked a slot in the webinar Q&A.",
]
CONTACT_SUBJECTS = {
    "call": ["Intro call", "Discovery call", "Follow-up call", "Call about the pilot"],
    "email": ["Sent the case studies", "Recap of our call", "Pricing for their team size", "Intro e-mail"],
    "meeting": ["Demo with the team", "Technical deep-dive", "Meeting with the buyer", "Pilot kick-off"],
}
NOTES = [
    "Decision by committee: head of sales and finance sign off.",
    "Uses spreadsheets plus a legacy CRM; pain is the hand-off between teams.",
    "Wants SSO and an EU data centre.",
    "Competitor trial running in parallel; decision within a month.",
]
TASKS = ["Send the proposal", "Book the demo with their CFO", "Prepare the pilot plan", "Check references"]
LEAVE_NOTE = "On leave"

EXTRA_USERS = [
    # username, first name, last name, role
    ("lena", "Lena", "Lang", "marketing"),
    ("omar", "Omar", "Osei", "marketing"),
    ("ravi", "Ravi", "Rao", "sales"),
    ("sofia", "Sofia", "Silva", "sales"),
    ("tom", "Tom", "Tanaka", "sales"),
    ("uma", "Uma", "Ulrich", "sales"),
    ("vik", "Vik", "Varga", "sales"),
]
TEAM_SIZE = {"marketing": 3, "sales": 6, "managers": 1}

# The team's days off (month, day): the service-level clocks stop on them.
HOLIDAYS = [((1, 1), "New Year's Day"), ((5, 1), "Labour Day"), ((12, 25), "Christmas Day"), ((12, 26), "Boxing Day")]
# A speed-to-lead agreement: answer within one working day, first contact within two.
HOURS_TO_ACCEPT, HOURS_TO_FIRST_CONTACT = 8, 16
