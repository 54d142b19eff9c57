#!/usr/bin/env python3
"""Writes the reference renderings the chat-template tests compare against.

Renders each model's tokenizer_config.json chat_template with Python jinja2 set up as Hugging Face transformers'
apply_chat_template does (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
raise_exception), for each conversation in conversations.json, into <model>.<conversation>.txt (or .error for a
refusal). Run from this directory: python3 make_references.py (jinja2 3.1.6 was used).
"""
import json, glob, os
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.exceptions import TemplateError

def raise_exception(message):
    raise TemplateError(message)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.globals["raise_exception"] = raise_exception

def token(value):
    if isinstance(value, dict):
        return value.get("content", "")
    return value or ""

conversations = json.load(open("conversations.json"))
for config_file in sorted(glob.glob("*.tokenizer_config.json")):
    model = config_file[: -len(".tokenizer_config.json")]
    config = json.load(open(config_file))
    template = env.from_string(config["chat_template"])
    for name, conv in conversations.items():
        out = model + "." + name
        for stale in (out + ".txt", out + ".error"):
            if os.path.exists(stale):
                os.remove(stale)
        try:
            text = template.render(messages=conv["messages"], add_generation_prompt=conv["add_generation_prompt"],
                                   bos_token=token(config.get("bos_token")), eos_token=token(config.get("eos_token")))
            open(out + ".txt", "w", newline="").write(text)
        except TemplateError as e:
            open(out + ".error", "w").write(str(e))
