"""Community care: the brand's best customers answer public mentions on its behalf, safely.

    settings.py     the workspace's community settings and their defaults
    eligibility.py  may an advocate see / claim / publish this post, and why not (one place)
    visible.py      what an advocate is shown: the public post, its public thread, the handle
    drafts.py       checks on a draft before it is submitted (private data, links, promises)
    trust.py        trust levels earned from outcomes: promotion and demotion with reasons
    points.py       points for outcomes, levels, badges, leaderboards
    alerts.py       the email digest of mentions waiting too long
    report.py       `crowdcare community report`: the period's figures and leaks
    worker.py       the periodic round: outcomes, trust after grace periods, digests

Writes go through actions/advocates.py and actions/answers.py; the portal is web/community.py,
the staff review queue web/review.py, the REST API api/community.py. See docs/community.md.
"""
