"""Event names. Whoever creates an event decides its audience (see emit)."""

MESSAGE_CREATED = "message.created"
MESSAGE_UPDATED = "message.updated"            # delivery state, send failure
CONVERSATION_UPDATED = "conversation.updated"
TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
CUSTOMER_UPDATED = "customer.updated"
ORDER_CREATED = "order.created"
ORDER_UPDATED = "order.updated"
DELIVERY_FAILED = "delivery.failed"
# community care (docs/community.md)
COMMUNITY_QUEUE = "community.queue"            # advocates: a post was claimed, released, answered
COMMUNITY_ANSWER = "community.answer"          # staff: an answer was submitted, reviewed, retracted
COMMUNITY_NOTICE = "community.notice"          # agent:<id>: what became of your answer, badges
COMMUNITY_ADVOCATE = "community.advocate"      # staff: an advocate joined, changed level
# SLA clocks (docs/automation.md): once per ticket, target and cycle; rules act on them
SLA_AT_RISK = "sla.at_risk"
SLA_BREACHED = "sla.breached"
# automation (docs/automation.md)
SURVEY_ANSWERED = "survey.answered"            # staff: a CSAT/NPS answer or its comment
RULES_UPDATED = "rules.updated"                # staff: a rule was added, changed, moved, deleted
RULE_NOTICE = "rule.notice"                    # agent:<id>: a rule's notify action
AGENT_UPDATED = "agent.updated"                # staff: capacity, skills, availability

# audiences
STAFF = "staff"              # admins and agents of the workspace
ADVOCATES = "advocates"      # community members: public mentions only


def agent(agent_id: int) -> str:
    return f"agent:{agent_id}"
