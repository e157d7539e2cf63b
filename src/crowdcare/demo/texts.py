"""What the simulated customers say: mostly English, some Hindi, Korean and Chinese; orders,
shipping, returns, sizes; a few angry ones; some noise that is not for the brand at all."""

SERVICE = [
    "Hi, where is my order {order}? It was supposed to arrive yesterday.",
    "Can I return a jacket I bought last week? It doesn't fit.",
    "Do you ship to Canada, and how long does it take?",
    "What size should I get in the linen shirt? I'm usually a M in other brands.",
    "My package says delivered but I never got it. Order {order}.",
    "I was charged twice for order {order}, can you refund one of them?",
    "How do I exchange the sneakers for a size 42?",
    "Is the denim jacket going to be restocked in black?",
    "I can't log into my account, the reset email never comes.",
    "The discount code SUMMER20 isn't working at checkout.",
    "Can I change the delivery address for order {order}?",
    "Hello! Is the wool coat machine washable?",
    "When will my refund show up? I sent the return two weeks ago.",
    "The app crashes every time I open my order history on Android.",
    "Do you have the midi dress in petite sizes?",
]
ANGRY = [
    "This is RIDICULOUS. Third time asking where order {order} is. Worst service ever!!!",
    "I want my money back NOW. If nobody answers today I'm posting this everywhere.",
    "Your courier threw my parcel over the fence and it's ruined. Absolutely useless company.",
    "I'm done with you. Cancel my account, I'm taking this to my lawyer.",
]
OTHER_LANGUAGES = [
    "मेरा ऑर्डर {order} अभी तक नहीं आया, कृपया स्थिति बताएं।",
    "क्या मैं यह कुर्ता बदल सकता हूँ? साइज़ बड़ा है।",
    "주문한 {order} 배송이 언제 도착하나요?",
    "사이즈가 안 맞아서 교환하고 싶어요. 어떻게 해야 하나요?",
    "我的订单{order}什么时候发货？",
    "这件外套可以退货吗？尺码太小了。",
]
NOISE = [
    "Just saw your new autumn collection, love it!",
    "lol my cat is sleeping on the parcel box again",
    "Great weather for a walk today",
    "Win a FREE iPhone!!! click bit.ly/totally-legit now",
    "Thanks, all sorted now 🙏",
]
MESSENGER = [   # on Messenger people say who they are with an order number, or not at all
    "Hi! It's about order {order}, it still says processing.",
    "Order {order}: can I still change the size?",
    "Thanks, all sorted now 🙏",
]
