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

# audiences
STAFF = "staff"              # admins and agents of the workspace
ADVOCATES = "advocates"      # community members: public mentions only


def agent(agent_id: int) -> str:
    return f"agent:{agent_id}"
