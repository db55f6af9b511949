"""Presentation MathML, built as strings: enough for explain's formulas with their numbers
(rendered natively by current browsers; no script or web font needed)."""

from __future__ import annotations

from html import escape

from .blocks import num


def mi(text: str) -> str:
    return f"<mi>{escape(text)}</mi>"


def mo(text: str) -> str:
    return f"<mo>{escape(text)}</mo>"


def mn(value: float, paren_negative: bool = False) -> str:
    text = f"<mn>{escape(num(value))}</mn>"
    return f"<mo>(</mo>{text}<mo>)</mo>" if paren_negative and value < 0 else text


def mtext(text: str) -> str:
    return f"<mtext>{escape(text)}</mtext>"


def row(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def sub(base: str, index: str) -> str:
    """``base`` with subscript ``index``: net_h1, E_total, w5 (a name ending in digits stays
    one identifier, as the worked example writes w5)."""
    return f"<msub>{mi(base)}{mi(index)}</msub>"


def sup(base: str, exponent: str) -> str:
    return f"<msup>{base}{exponent}</msup>"


def frac(a: str, b: str) -> str:
    return f"<mfrac>{a}{b}</mfrac>"


def partial(top: str, bottom: str) -> str:
    return frac(row(mo("∂"), top), row(mo("∂"), bottom))


def joined(parts, op: str) -> str:
    return mo(op).join(parts)


def math(*parts: str) -> str:
    return '<math display="block">' + row(*parts) + "</math>"


def activation(name: str, argument: str) -> str:
    """f(argument) written out for the built-in activations."""
    if name == "logistic":
        return frac(mn(1), row(mn(1), mo("+"), sup(mi("e"), row(mo("−"), argument))))
    if name == "tanh":
        return row(mi("tanh"), mo("("), argument, mo(")"))
    if name == "relu":
        return row(mi("max"), mo("("), mn(0), mo(","), argument, mo(")"))
    if name == "identity":
        return argument
    return row(mi(name), mo("("), argument, mo(")"))
