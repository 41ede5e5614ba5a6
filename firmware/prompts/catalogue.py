"""Every system prompt the box can say: name -> text in Mandarin (``zh``) and English (``en``).

The built-in WAV files are generated from these texts at build time
(``python -m firmware.prompts.build``); an installer can replace any of them with a
recording of the same name (see :mod:`firmware.prompts.library`).

Prompts are *pieces* that call features chain together, so each text must still make
sense when followed by a number or another piece: ``agent_number`` + digits 8 0 1 +
``is_serving_you`` says "agent number eight zero one is serving you" / "工号八零幺为您服务".
Every prompt has both languages, even words only one language's read-out uses (``num_wan``
is "ten thousand" in English), so a prompt name is valid whatever the box's language.

``say`` optionally gives what the speech synthesiser should read instead of the shown text
(for words it mispronounces); it changes the sound, never the meaning.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

#: Languages with built-in prompts (the box's ``language`` setting picks one).
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Prompt:
    """One system prompt: its file name (without ``.wav``), texts per language, a group."""
    name: str
    zh: str
    en: str
    group: str
    say: Mapping[str, str] = field(default_factory=dict)

    def text(self, language: str) -> str:
        """The text shown to people (docs, ``hotline prompts list``) in ``language``."""
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} has no built-in prompts (have: {', '.join(LANGUAGES)})")
        return getattr(self, language)

    def spoken(self, language: str) -> str:
        """What the synthesiser reads for ``language`` (the text unless ``say`` overrides it)."""
        return self.say.get(language) or self.text(language)


_EN_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
             "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen"]
_ZH_SMALL = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九",
             "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九"]
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy",
            80: "eighty", 90: "ninety"}
_ZH_TENS = {20: "二十", 30: "三十", 40: "四十", 50: "五十", 60: "六十", 70: "七十", 80: "八十",
            90: "九十"}


def _numbers() -> list[tuple[str, str, str]]:
    rows = [(f"num_{i}", _ZH_SMALL[i], _EN_SMALL[i]) for i in range(20)]
    rows += [(f"num_{t}", _ZH_TENS[t], _EN_TENS[t]) for t in sorted(_EN_TENS)]
    rows += [
        ("num_hundred", "百", "hundred"),
        ("num_thousand", "千", "thousand"),
        ("num_wan", "万", "ten thousand"),          # zh unit 10^4
        ("num_million", "百万", "million"),
        ("num_yi", "亿", "hundred million"),         # zh unit 10^8
        ("num_two_liang", "两", "two"),              # zh 2 before a measure word / 千 / 万
        ("digit_1_yao", "幺", "one"),                # zh 1 when reading out a digit string
        ("word_and", "和", "and"),                   # en "one hundred and five"
        ("word_oh", "零", "oh"),                     # en "three oh five"
        ("key_star", "星号", "star"),
        ("key_hash", "井号", "hash"),
    ]
    return rows


#: group -> rows of (name, zh, en) or (name, zh, en, say)
_GROUPS: dict[str, list[tuple]] = {
    "number": _numbers(),
    "time": [
        ("time_am", "上午", "a m", {"en": "A.M."}),
        ("time_pm", "下午", "p m", {"en": "P.M."}),
        ("time_early_morning", "凌晨", "early morning"),
        ("time_morning", "上午", "in the morning"),
        ("time_noon", "中午", "noon"),
        ("time_afternoon", "下午", "in the afternoon"),
        ("time_evening", "晚上", "in the evening"),
        ("time_hour_point", "点", "o'clock"),          # zh 三点
        ("time_minute_point", "分", "minutes past"),   # zh 零五分
        ("time_sharp", "整", "sharp"),                 # zh 三点整
        ("hour", "小时", "hour"),
        ("hours", "小时", "hours"),
        ("minute", "分钟", "minute"),
        ("minutes", "分钟", "minutes"),
        ("second", "秒", "second"),
        ("seconds", "秒", "seconds"),
        ("about", "大约", "about"),
        ("less_than", "不到", "less than"),
    ],
    "general": [
        ("please_hold", "请稍候", "please hold"),
        ("please_wait", "请稍等", "please wait"),
        ("thank_you", "谢谢", "thank you"),
        ("goodbye", "再见", "goodbye"),
        ("welcome", "您好，欢迎致电", "hello, and thank you for calling"),
        ("transferring", "正在为您转接，请稍候", "please hold while your call is transferred"),
        ("number_not_in_service", "您拨打的号码不存在", "the number you dialled is not in service"),
        ("all_lines_busy", "线路忙，请稍后再拨", "all lines are busy, please try again later"),
        ("extension", "分机", "extension"),
        ("is_busy", "正忙", "is busy"),
        ("is_not_available", "暂时无人接听", "is not available"),
        ("try_again", "请重新输入", "please try again"),
        ("press_hash_when_done", "输入完毕请按井号键", "then press the hash key"),
        ("error", "系统忙，请稍后再拨", "sorry, something went wrong, please try again later"),
    ],
    "feature": [
        ("invalid_code", "您拨打的功能代码无效", "the code you dialled is not valid"),
        ("feature_on", "已开启", "activated"),
        ("feature_off", "已取消", "cancelled"),
        ("feature_dnd", "免打扰", "do not disturb"),
        ("feature_forward_all", "无条件呼叫转移", "call forwarding"),
        ("feature_forward_busy", "遇忙呼叫转移", "call forwarding on busy"),
        ("feature_forward_no_answer", "无应答呼叫转移", "call forwarding on no answer"),
        ("feature_follow_me", "一号通", "follow me"),
        ("forward_refused", "不能转移到这个号码", "calls cannot be forwarded to that number"),
        ("enter_pin", "请输入密码，以井号键结束", "please enter your PIN, then press the hash key"),
        ("wrong_pin", "密码错误", "that PIN is not correct"),
        ("not_allowed", "您没有拨打这个号码的权限", "you are not allowed to call this number"),
        ("limit_reached", "已达到呼叫限制，请稍后再拨",
         "the call limit has been reached, please try again later"),
        ("press_1_to_accept", "您有一个来自公司的电话，接听请按一",
         "you have a call from the office, press one to accept"),
        ("blacklisted", "您拨打的用户暂时无法接听您的电话", "the number you called cannot take your call"),
        ("day_mode", "日间模式", "day mode"),
        ("night_mode", "夜间模式", "night mode"),
        ("agent_number", "工号", "agent number"),
        ("is_serving_you", "为您服务", "is serving you"),
        ("no_call_to_pick_up", "没有可以代接的电话", "there is no call to pick up"),
        ("transfer_failed", "转接失败", "the transfer did not succeed"),
    ],
    "conference": [
        ("conference_enter_pin", "请输入会议密码，以井号键结束",
         "please enter the conference PIN, then press the hash key"),
        ("conference_wrong_pin", "会议密码错误", "that conference PIN is not correct"),
        ("conference_alone", "目前会议中只有您一位参加者", "you are the only participant in this conference"),
        ("conference_joined", "您已加入会议", "you have joined the conference"),
        ("conference_left", "您已离开会议", "you have left the conference"),
        ("conference_muted", "您已静音", "you are muted"),
        ("conference_unmuted", "您已取消静音", "you are no longer muted"),
        ("conference_full", "会议室已满", "the conference is full"),
        ("conference_participants", "位参加者", "participants"),
        ("conference_kicked", "您已被移出会议", "you have been removed from the conference"),
    ],
    "queue": [
        ("queue_all_busy", "坐席全忙，请稍候", "all our agents are busy, please hold"),
        ("queue_thank_you_for_waiting", "感谢您的耐心等待", "thank you for waiting"),
        ("you_are_number", "您现在排在第", "you are number"),
        ("in_queue", "位", "in the queue"),
        ("callers_ahead", "位来电在您前面", "callers ahead of you"),
        ("expected_wait", "预计等待时间", "the expected waiting time is"),
        ("queue_press_0_to_leave", "如需离开队列，请按零", "to leave the queue, press zero"),
        ("queue_callback_offer", "如需回电，请按一，我们会保留您的位置",
         "to be called back without losing your place, press one"),
        ("queue_callback_confirm_number", "我们将回电到号码", "we will call you back at"),
        ("queue_callback_accept", "确认请按一，重新输入号码请按二",
         "press one to confirm, or two to enter another number"),
        ("queue_callback_enter_number", "请输入回电号码，以井号键结束",
         "please enter the number to call back, then press the hash key"),
        ("queue_callback_confirmed", "我们将尽快回电，再见", "we will call you back as soon as possible, goodbye"),
        ("queue_callback_whisper", "这是一个队列回电", "this is a callback for queue"),
        ("queue_callback_connecting", "您好，这是您要求的回电，正在为您接通坐席",
         "hello, this is the call back you asked for, connecting you to an agent"),
        ("queue_whisper_call_from", "来自队列的电话", "call from queue"),
        ("queue_closed", "现在不是工作时间", "we are closed at the moment"),
        ("queue_full", "线路繁忙，请稍后再拨", "we are very busy, please call again later"),
        ("survey_intro", "请对我们的服务进行评价：非常满意请按一，满意请按二，不满意请按三",
         "please rate our service: press one if very satisfied, two if satisfied, "
         "three if dissatisfied"),
        ("survey_thanks", "感谢您的评价，再见", "thank you for your rating, goodbye"),
        ("agent_logged_in", "您已签入", "you are logged in"),
        ("agent_logged_out", "您已签出", "you are logged out"),
        ("agent_paused", "您已示忙", "you are paused"),
        ("agent_unpaused", "您已示闲", "you are ready"),
        ("agent_enter_number", "请输入工号，以井号键结束", "please enter your agent number, then press the hash key"),
        ("agent_locked", "密码错误次数过多，请稍后再试", "too many wrong PINs, please try again later"),
        ("agent_wrap_up_extended", "整理时间已延长", "wrap up time extended"),
    ],
    "voicemail": [
        ("please_leave_message", "请在提示音后留言，留言完毕请挂机或按井号键",
         "please leave a message after the tone, then hang up or press the hash key"),
        ("vm_press_0_operator", "转接总机请按零", "to reach the operator, press zero"),
        ("mailbox_enter_number", "请输入信箱号码，以井号键结束",
         "please enter your mailbox number, then press the hash key"),
        ("mailbox_enter_pin", "请输入信箱密码，以井号键结束",
         "please enter your mailbox PIN, then press the hash key"),
        ("mailbox_login_incorrect", "信箱号码或密码错误", "the mailbox number or PIN is not correct"),
        ("mailbox_you_have", "您有", "you have"),
        ("mailbox_new_message", "条新留言", "new message"),
        ("mailbox_new_messages", "条新留言", "new messages"),
        ("mailbox_old_message", "条已听留言", "saved message"),
        ("mailbox_old_messages", "条已听留言", "saved messages"),
        ("mailbox_no_messages", "您没有留言", "you have no messages"),
        ("mailbox_message", "第", "message"),
        ("mailbox_message_suffix", "条留言", "of your messages"),
        ("mailbox_received", "留言时间", "received"),
        ("mailbox_from", "来电号码", "from"),
        ("mailbox_urgent", "紧急留言", "urgent"),
        ("mailbox_main_menu", "听新留言请按一，听已听留言请按二，设置信箱请按零",
         "press one for new messages, two for saved messages, zero for mailbox options"),
        ("mailbox_message_menu", "重听请按一，保存请按二，删除请按三，回电请按四，转发请按五，下一条请按井号键",
         "press one to repeat, two to save, three to delete, four to call back, "
         "five to forward, or hash for the next message"),
        ("mailbox_options_menu", "录制忙音问候语请按一，录制无人接听问候语请按二，录制临时问候语请按三，修改密码请按四",
         "press one to record your busy greeting, two for your unavailable greeting, "
         "three for a temporary greeting, four to change your PIN"),
        ("mailbox_no_more_messages", "没有更多留言了", "there are no more messages"),
        ("mailbox_deleted", "留言已删除", "message deleted"),
        ("mailbox_saved", "留言已保存", "message saved"),
        ("mailbox_forward_to", "请输入要转发的信箱号码，以井号键结束",
         "please enter the mailbox to forward to, then press the hash key"),
        ("mailbox_forwarded", "留言已转发", "message forwarded"),
        ("mailbox_full", "信箱已满，无法留言", "this mailbox is full and cannot take messages"),
        ("mailbox_record_greeting", "请在提示音后录制问候语，录制完毕请按井号键",
         "record your greeting after the tone, then press the hash key"),
        ("mailbox_greeting_saved", "问候语已保存", "greeting saved"),
        ("mailbox_enter_new_pin", "请输入新密码，以井号键结束", "please enter your new PIN, then press the hash key"),
        ("mailbox_reenter_new_pin", "请再次输入新密码", "please enter your new PIN again"),
        ("mailbox_pins_dont_match", "两次输入的密码不一致", "the PINs do not match"),
        ("mailbox_pin_changed", "密码已修改", "your PIN has been changed"),
        ("mailbox_message_too_short", "留言太短，未保存", "the message was too short and was not saved"),
        ("mailbox_review_menu", "试听请按一，保存请按二，重新录制请按三",
         "press one to listen, two to save, or three to record again"),
        ("mailbox_calling_back", "正在回电", "calling back"),
    ],
    "ivr": [
        ("ivr_invalid_option", "您的输入有误，请重新选择", "that is not a valid option, please try again"),
        ("ivr_no_input", "我们没有收到您的选择", "we did not receive your choice"),
        ("ivr_press_0_operator", "人工服务请按零", "for the operator, press zero"),
        ("ivr_enter_extension", "请拨分机号", "please dial the extension number"),
        ("ivr_transferring_operator", "正在为您转接人工服务", "transferring you to the operator"),
        ("ivr_closed", "现在是非工作时间，我们的工作时间是周一至周五，上午九点到下午五点",
         "we are closed now; our opening hours are monday to friday, nine a m to five p m"),
        ("prompt_record", "请在提示音后录制语音，录制完毕请按井号键",
         "record the prompt after the tone, then press the hash key"),
        ("prompt_review_menu", "试听请按一，保存请按二，重新录制请按三",
         "press one to listen, two to save, or three to record again"),
        ("prompt_enter_number", "请输入语音编号，以井号键结束",
         "please enter the prompt number, then press the hash key"),
        ("prompt_saved", "语音已保存", "prompt saved"),
        ("prompt_save_menu", "保存请按一，重新录制请按二，取消请按三",
         "press one to save, two to record again, or three to cancel"),
    ],
    "recording": [
        ("call_may_be_recorded", "您的通话可能会被录音", "this call may be recorded"),
        ("recording_started", "开始录音", "recording started"),
        ("recording_stopped", "录音已停止", "recording stopped"),
        ("recording_unavailable", "暂时无法录音", "recording is not available right now"),
    ],
}


def _build() -> Mapping[str, Prompt]:
    out: dict[str, Prompt] = {}
    for group, rows in _GROUPS.items():
        for name, zh, en, *say in rows:
            if name in out:
                raise AssertionError(f"prompt {name!r} is listed twice")
            out[name] = Prompt(name, zh, en, group, MappingProxyType(say[0] if say else {}))
    return MappingProxyType(out)


#: name -> Prompt, in catalogue order (groups as above).
PROMPTS: Mapping[str, Prompt] = _build()


def group(name: str) -> list[Prompt]:
    """Every prompt of one group (``number``, ``time``, ``general``, ``feature``,
    ``conference``, ``queue``, ``voicemail``, ``ivr``, ``recording``)."""
    if name not in _GROUPS:
        raise ValueError(f"no prompt group {name!r} (have: {', '.join(_GROUPS)})")
    return [p for p in PROMPTS.values() if p.group == name]
