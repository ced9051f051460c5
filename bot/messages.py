"""The conversation's fixed texts, kept together so they read consistently.

Written for screen readers: short lines, no emoji bullets, no tables.
"""

from __future__ import annotations

WELCOME = (
    "您好，我是规划助手。我能用简单的话，解释各地“十四五”残疾人保障和发展规划里的政策，"
    "并告诉您依据是规划的哪一条。\n"
    "直接打字问我就行，比如：“我爸瘫在床上，家里困难，能领什么钱？”\n"
    "发送 /screen 可以做个简单自测，看看可能符合哪些补贴；发送 /voice 可以打开语音回复。\n"
    "请不要发送身份证号、手机号等个人信息。"
)

HELP_INTRO = (
    "您可以直接打字提问，用平常说话的方式就行。如果提到您所在的地区（比如朔州、张掖），我会先找当地的规定。\n"
    "目前收录了{count}份规划：{plans}。"
)
HELP_REFERENCES = "工作人员还可以直接输入编号查原文，比如“朔州 专栏9 第2项”“张掖 三（二）4”“茌平 指标 11”。"
DISCLAIMER = "我的回答只供参考，具体以当地残联、民政部门的答复为准。"
PRIVATE_ONLY = (
    "这件事和您个人有关，为了保护您的隐私，请在和我的私聊里做。点下面的按钮就能打开私聊。"
    "在群里，我只回答一般性的政策问题。"
)

NO_CHOICE_PENDING = "现在没有要选的选项。想问什么，直接打字说就行，比如“重度残疾人护理补贴怎么申请？”"
EMPTY_INPUT = "请用文字告诉我您想了解什么，比如“残疾人证怎么办”或“护理补贴谁能领”。"
NOT_TEXT = "抱歉，我只能读文字消息。请把问题打成文字发给我。"
VOICE_INPUT = (
    "抱歉，我还听不懂语音消息。您可以用手机输入法里的语音输入（话筒按钮），把说的话转成文字再发给我。"
)
TOO_LONG = "您的消息很长，我先按开头的部分回答。想问别的，可以分几条发。"
PERSONAL_NUMBERS = "提醒：请不要发送身份证号、手机号。我已经把它们隐去，没有保存。"
STALE_BUTTON = "这个按钮已经过期了。请重新发送问题，或者发送 /help 看看怎么用。"
ERROR = "抱歉，刚才出了点问题，请稍后再试一次。"
CANCELLED = "好的，已经退出。您可以继续提问。"
NOTHING_TO_CANCEL = "现在没有进行中的操作。您可以直接提问。"
NOTHING_TO_RESTART = "现在没有进行中的自测，没有可以重新开始的。发送 /screen 可以开始一个自测，或者直接提问。"
NOTHING_TO_GO_BACK_TO = "现在没有可以返回的上一步。您可以直接提问，或者发送 /screen 开始自测。"
SCREENING_WAITS = "您的自测还在进行中，想接着做，回复上一个问题的选项数字或者直接说就行；不做了可以说“退出”。"
SCREENING_OVER = "上次的自测已经结束了，没有上一步可以返回。想从头再做，请说“重新开始”。"
ADMIN_ONLY = "这个命令只有管理员能用。"
FORGET_CONFIRM = "确定要删除保存的您的全部信息吗？包括地区、语音设置和自测进度。删除后不能恢复。"
FORGOTTEN = "已经删除了保存的您的全部信息。以后您仍然可以随时使用。"
FORGET_KEPT = "好的，没有删除。"
REGION_ASK = "请选择或直接输入您所在的地区（比如“朔州”“甘州区”）："
VOICE_UNAVAILABLE = "抱歉，这次没能生成语音，请看文字回复。"
STORAGE_DOWN = "现在暂时不能保存自测进度，问题照样可以问。"
DELIVERY_FAILED = "抱歉，刚才的回复没能发出去。请稍后再发一次您的问题。"
