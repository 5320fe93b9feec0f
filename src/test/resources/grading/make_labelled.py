#!/usr/bin/env python3
"""Compose labelled.jsonl: a hand-labelled test set for the math answer grader.

Every label below was decided by hand (see README.md); this script only lays the
cases out, numbers them, and copies the reference solutions out of data/test/.
Nothing here runs or imitates a grader.

Run from the repository root:  python3 src/test/resources/grading/make_labelled.py
"""
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
OUT = os.path.join(HERE, "labelled.jsonl")

T, F = True, False
cases = []  # list of dicts in output order


def add(category, gold, label, pred=None, completion=None, kind=None):
    assert (pred is None) != (completion is None)
    if kind is None:
        kind = "rewrite" if label else "edit"
    row = {"id": None, "category": category, "kind": kind, "gold": gold}
    if pred is not None:
        row["pred"] = pred
    else:
        row["completion"] = completion
    row["label"] = label
    cases.append(row)


def preds(category, gold, items):
    """items: list of (pred, label)."""
    for p, lab in items:
        add(category, gold, lab, pred=p)


def boxed_sol(lead, ans, tail="."):
    """A short solution that ends with the answer in \\boxed{}.

    If the lead leaves a $...$ open, the box goes inside that math span."""
    open_math = len(re.findall(r"(?<!\\)\$", lead)) % 2 == 1
    return lead + (" " if open_math else " $") + "\\boxed{" + ans + "}$" + tail


# --------------------------------------------------------------------------- integer
C = "integer"
preds(C, "1000", [
    ("1,000", T), ("1{,}000", T), ("1000.00", T), ("1\\,000", T), ("\\$1{,}000", T),
    ("10,000", F), ("100", F), 
])
preds(C, "5", [
    ("5 cm", T), ("5\\text{ cm}", T), ("\\text{5}", T),
    ("6", F), ("-5", F), ("0.5", F), ("50\\text{ cm}", F),
])
preds(C, "18", [
    ("\\$18", T), ("18 dollars", T), ("18.00", T), 
    ("\\$18.50", F), ("\\$81", F), ("180", F),
])
preds(C, "70000", [("70,000", T), ("\\$70{,}000", T), ("7000", F)])
preds(C, "2,125", [("2125", T), ("2{,}125", T), ("2,152", F), ("212", F)])
preds(C, "-7", [("-7.0", T), ("- 7", T), ("7", F)])
preds(C, "1000000", [("10^6", T), ("1,000,000", T), ("100,000", F)])
preds(C, "1024", [("2^{10}", T), ("2^{11}", F)])
add(C, "1000", T, completion=boxed_sol("There are $10 \\times 100$ tiles, so the total is", "1{,}000"))
add(C, "1000", F, completion=boxed_sol("There are $10 \\times 110$ tiles, so the total is", "1{,}100"))
add(C, "18", T, completion=boxed_sol("She sells $16 - 3 - 4 = 9$ eggs at \\$2 each, so she makes", "\\$18"))
add(C, "18", F, completion=boxed_sol("She sells $16 - 3 - 4 = 9$ eggs at \\$2.50 each, so she makes", "\\$22.50"))

# --------------------------------------------------------------------------- fraction-decimal
C = "fraction-decimal"
preds(C, "\\frac{3}{4}", [
    ("\\dfrac34", T), ("\\dfrac{3}{4}", T), ("\\tfrac{3}{4}", T), ("3/4", T), ("0.75", T),
    (".75", T), ("\\frac{6}{8}", T),
    ("\\frac{4}{3}", F), ("0.7", F), ("\\frac{3}{5}", F), ("-\\frac{3}{4}", F), ("75", F),
])
preds(C, "0.75", [("\\frac{3}{4}", T), ("3/4", T), ("\\frac{7}{5}", F)])
preds(C, "-\\frac{2}{5}", [
    ("\\frac{-2}{5}", T), ("-0.4", T), ("-2/5", T), ("\\frac{2}{-5}", T),
    ("\\frac{2}{5}", F), ("-\\frac{5}{2}", F),
])
preds(C, "\\frac{1}{3}", [("0.\\overline{3}", T), ("\\frac{2}{6}", T), ("1/3", T),
                          ("0.3", F), ("0.33", F), ("3", F)])
preds(C, "\\frac{7}{2}", [("3.5", T), ("7/2", T), ("\\frac72", T),
                          ("\\frac{2}{7}", F)])
preds(C, "2.5", [("\\frac{5}{2}", T), ("5/2", T), ("25", F), ("0.25", F)])
preds(C, "0.125", [("\\frac18", T), ("1/8", T), ("0.12", F)])
preds(C, "\\frac{5}{8}", [("0.625", T), ("\\frac{10}{16}", T), ("0.6", F), ("\\frac{8}{5}", F)])
add(C, "\\frac{3}{4}", T, completion=boxed_sol("Simplifying, $\\frac{9}{12}$ reduces to", "\\dfrac{3}{4}"))
add(C, "\\frac{3}{4}", F, completion=boxed_sol("Simplifying, $\\frac{12}{9}$ reduces to", "\\dfrac{4}{3}"))

# --------------------------------------------------------------------------- percent
C = "percent"
preds(C, "25\\%", [
    ("25%", T), ("25 percent", T), ("0.25", T), ("\\frac{1}{4}", T), ("25\\text{\\%}", T),
    ("25\\text{ percent}", T),
    ("2.5\\%", F), ("250\\%", F), ("0.025", F), ("24\\%", F), ("75\\%", F),
])
preds(C, "0.25", [("25\\%", T), ("25%", T), ("25 percent", T),
                  ("25", F), ("0.25\\%", F)])
preds(C, "12.5\\%", [("12.5%", T), ("0.125", T), ("\\frac{1}{8}", T), ("\\frac{25}{2}\\%", T),
                     ("12\\%", F), ("1.25\\%", F)])
preds(C, "0.125", [("12.5\\%", T), ("12.5", F)])
preds(C, "40\\%", [("40 percent", T), ("0.4", T), ("\\frac{2}{5}", T), ("4\\%", F), ("60\\%", F)])
preds(C, "150\\%", [("1.5", T), ("\\frac{3}{2}", T), ("15\\%", F), ("0.15", F)])
preds(C, "0.08", [("8\\%", T), ("8", F), ("80\\%", F)])
add(C, "25\\%", T, completion=boxed_sol("The price drops from \\$80 to \\$60, a decrease of $\\frac{20}{80}$, i.e.", "25\\%"))
add(C, "25\\%", F, completion=boxed_sol("The price drops from \\$80 to \\$60, a decrease of $\\frac{20}{60}$, i.e.", "33\\%"))

# --------------------------------------------------------------------------- degree
C = "degree"
preds(C, "30", [
    ("30^\\circ", T), ("30°", T), ("30 degrees", T), ("30^{\\circ}", T), ("30\\text{ degrees}", T),
    ("30.0^\\circ", T),
    ("60^\\circ", F), ("150^\\circ", F), ("3^\\circ", F), ("-30^\\circ", F), ("60", F),
])
preds(C, "30^\\circ", [("30", T), ("30°", T), ("30 degrees", T), ("60", F), ("60°", F)])
preds(C, "22.5", [("22.5^\\circ", T), ("22.5°", T), ("22.5 degrees", T),
                  ("22^\\circ", F), ("67.5^\\circ", F)])
preds(C, "120^\\circ", [("120", T), ("120^{\\circ}", T), ("120\\text{ degrees}", T),
                        ("12^\\circ", F), ("60^\\circ", F), ("240^\\circ", F)])
preds(C, "90", [("90^\\circ", T), ("180^\\circ", F), ("9^\\circ", F)])
add(C, "30", T, completion=boxed_sol("The three angles sum to $180^\\circ$, so $\\angle C = 180^\\circ - 90^\\circ - 60^\\circ =", "30^\\circ"))
add(C, "30", F, completion=boxed_sol("The three angles sum to $180^\\circ$, so $\\angle C = 180^\\circ - 90^\\circ - 30^\\circ =", "60^\\circ"))

# --------------------------------------------------------------------------- assignment
C = "assignment"
preds(C, "5", [("x = 5", T), ("x=5", T), ("n = 5", T),
               ("x = 6", F), ("x = -5", F), ("x=\\frac{1}{5}", F)])
preds(C, "-2", [("k=-2", T), ("k = -2", T), ("k = 2", F), ("k=-3", F), ("k=-\\frac{1}{2}", F)])
preds(C, "x=5", [("5", T), ("x = 5", T), ("6", F), ("x=-5", F)])
preds(C, "\\frac{1}{2}", [("a=\\frac12", T), ("b = 0.5", T), ("t = 1/2", T), ("a = 2", F), ("a=\\frac{1}{3}", F)])
preds(C, "12", [("n = 12", T), ("m=12", T), ("n = 13", F)])
preds(C, "3", [("y = 3", T), ("y = 4", F)])
preds(C, "-\\frac{3}{2}", [("c = -1.5", T), ("c=-\\dfrac{3}{2}", T), ("c = \\frac{3}{2}", F), ("c=-\\frac{2}{3}", F)])
add(C, "4", T, completion=boxed_sol("Subtracting 3 from both sides gives $2x = 8$, so", "x=4"))
add(C, "4", F, completion=boxed_sol("Adding 3 to both sides gives $2x = -8$, so", "x=-4"))

# --------------------------------------------------------------------------- tuple
C = "tuple"
preds(C, "(1,-2)", [
    ("(1, -2)", T), ("\\left(1,-2\\right)", T), ("(1,\\ -2)", T), ("(x, y) = (1, -2)", T),
    ("\\left( 1, -2 \\right)", T),
    ("(-2, 1)", F), ("(1,2)", F), ("(1,-2,0)", F), ("(-1,-2)", F),
])
preds(C, "(\\frac{1}{2}, 3)", [("(0.5, 3)", T), ("\\left(\\frac12, 3\\right)", T), ("(1/2, 3)", T),
                               ("(3, \\frac{1}{2})", F), ("(2, 3)", F), ("(\\frac{1}{2}, -3)", F)])
preds(C, "(2,3,-1)", [("(2, 3, -1)", T), ("\\left(2,3,-1\\right)", T),
                      ("(2,-1,3)", F), ("(2,3,1)", F), ("(2,3)", F)])
preds(C, "\\left( 3, \\frac{\\pi}{2} \\right)", [("(3, \\frac{\\pi}{2})", T), ("(3, \\pi/2)", T),
                                                ("(3, \\frac{\\pi}{3})", F), ("(\\frac{\\pi}{2}, 3)", F)])
preds(C, "(-4, 0)", [("(-4,0)", T), ("(4, 0)", F), ("(0, -4)", F)])
preds(C, "(1,4)", [("(1, 4)", T), ("[1,4]", F), ("(1,4]", F)])
add(C, "(1,-2)", T, completion=boxed_sol("Solving the system gives $x = 1$ and $y = -2$, so the intersection point is", "(1,-2)"))
add(C, "(1,-2)", F, completion=boxed_sol("Solving the system gives $x = -2$ and $y = 1$, so the intersection point is", "(-2,1)"))

# --------------------------------------------------------------------------- interval
C = "interval"
preds(C, "(-\\infty, 3]", [
    ("(-\\infty,3]", T), ("\\left(-\\infty, 3\\right]", T), ("(-\\infty, 3 ]", T),
    ("(-\\infty,3)", F), ("(-\\infty, -3]", F), ("[3,\\infty)", F), ("(3, \\infty)", F),
])
preds(C, "(-\\infty,1)\\cup(2,\\infty)", [
    ("(-\\infty, 1) \\cup (2, \\infty)", T), ("(2,\\infty)\\cup(-\\infty,1)", T),
    ("\\left(-\\infty,1\\right)\\cup\\left(2,\\infty\\right)", T),
    ("(-\\infty,1]\\cup(2,\\infty)", F), ("(-\\infty,1)\\cup[2,\\infty)", F),
    ("(-\\infty,2)\\cup(1,\\infty)", F), ("(1,2)", F), ("(-\\infty,1)", F),
])
preds(C, "[0, 1)", [("[0,1)", T), ("\\left[0,1\\right)", T), ("[0,1]", F), ("(0,1)", F), ("(0,1]", F)])
preds(C, "[-2, 5]", [("[-2,5]", T), ("\\left[ -2, 5 \\right]", T), ("(-2,5]", F), ("[-2,5)", F), ("[2,5]", F)])
preds(C, "(\\frac{1}{2}, 4]", [("(0.5, 4]", T), ("\\left(\\frac12,4\\right]", T),
                               ("[\\frac{1}{2}, 4]", F), ("(\\frac{1}{2}, 4)", F)])
preds(C, "[1,\\infty)", [("[1, \\infty)", T), ("[1,+\\infty)", T), ("(1,\\infty)", F), ("[-1,\\infty)", F)])
add(C, "(-\\infty, 3]", T, completion=boxed_sol("Since $2x - 1 \\le 5$, we get $x \\le 3$, so the solution set is", "(-\\infty,3]"))
add(C, "(-\\infty, 3]", F, completion=boxed_sol("Since $2x - 1 < 5$, we get $x < 3$, so the solution set is", "(-\\infty,3)"))

# --------------------------------------------------------------------------- set
C = "set"
preds(C, "1, 2, 3", [("3, 1, 2", T), ("\\{1,2,3\\}", T), ("2,3,1", T), ("1,2,3", T),
                     ("1, 2", F), ("1, 2, 3, 4", F), ("1, 2, -3", F), ("1, 3", F)])
preds(C, "\\{1, 2, 3\\}", [("1, 2, 3", T), ("\\{3, 2, 1\\}", T), ("\\{1, 2\\}", F), ("\\{0, 1, 2, 3\\}", F)])
preds(C, "-2, 3", [("3, -2", T), ("3,-2", T), ("2, -3", F), ("-2", F), ("-2, 3, 0", F)])
preds(C, "\\frac{1}{2}, -3", [("-3, 0.5", T), ("-3, \\frac12", T), ("-3, 2", F), ("\\frac{1}{2}, 3", F)])
preds(C, "-1, 1", [("1, -1", T), ("1", F), ("0, 1, -1", F)])
preds(C, "\\sqrt{5}, -\\sqrt{5}", [("-\\sqrt{5}, \\sqrt{5}", T), ("\\sqrt{5}", F), ("5, -5", F)])
add(C, "1, 3", T, completion=boxed_sol("The quadratic factors as $(x-1)(x-3) = 0$, so the solutions are", "3, 1"))
add(C, "1, 3", F, completion=boxed_sol("The quadratic factors as $(x-1)(x+3) = 0$, so the solutions are", "1, -3"))

# --------------------------------------------------------------------------- matrix
C = "matrix"
V12 = "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"
preds(C, V12, [
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", T), ("\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}", T),
    ("\\left(\\begin{matrix} 1 \\\\ 2 \\end{matrix}\\right)", T),
    ("\\begin{pmatrix} 1 \\\\ 3 \\end{pmatrix}", F), ("\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", F),
    ("\\begin{pmatrix} -1 \\\\ 2 \\end{pmatrix}", F), ("\\begin{pmatrix} 1 \\\\ 2 \\\\ 0 \\end{pmatrix}", F),
])
preds(C, "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", [
    ("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}", T), ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", T),
    ("\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}", F), ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}", F),
    ("\\begin{pmatrix} 4 & 3 \\\\ 2 & 1 \\end{pmatrix}", F),
])
preds(C, "\\begin{pmatrix} \\frac{1}{2} & 0 \\\\ 0 & -1 \\end{pmatrix}", [
    ("\\begin{pmatrix} 0.5 & 0 \\\\ 0 & -1 \\end{pmatrix}", T), ("\\begin{pmatrix} 1/2 & 0 \\\\ 0 & -1 \\end{pmatrix}", T),
    ("\\begin{pmatrix} 2 & 0 \\\\ 0 & -1 \\end{pmatrix}", F), ("\\begin{pmatrix} \\frac{1}{2} & 0 \\\\ 0 & 1 \\end{pmatrix}", F),
])
preds(C, "\\begin{pmatrix} -3 \\\\ 5 \\\\ \\frac{7}{2} \\end{pmatrix}", [
    ("\\begin{pmatrix} -3 \\\\ 5 \\\\ 3.5 \\end{pmatrix}", T), ("\\begin{bmatrix}-3\\\\5\\\\7/2\\end{bmatrix}", T),
    ("\\begin{pmatrix} 3 \\\\ 5 \\\\ \\frac{7}{2} \\end{pmatrix}", F), ("\\begin{pmatrix} -3 \\\\ 5 \\\\ \\frac{2}{7} \\end{pmatrix}", F),
])
preds(C, "\\begin{pmatrix} 2 & -1 \\\\ 0 & \\sqrt{3} \\end{pmatrix}", [
    ("\\begin{pmatrix} 2 & -1 \\\\ 0 & \\sqrt3 \\end{pmatrix}", T),
    ("\\begin{pmatrix} 2 & -1 \\\\ 0 & 3 \\end{pmatrix}", F),
])
add(C, V12, T, completion=boxed_sol("Adding the two vectors componentwise gives", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"))
add(C, V12, F, completion=boxed_sol("Adding the two vectors componentwise gives", "\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}"))

# --------------------------------------------------------------------------- equation
C = "equation"
preds(C, "y = 2x + 1", [
    ("y=1+2x", T), ("y = 2x+1", T), ("2x - y + 1 = 0", T), ("y = 1 + 2x", T),
    ("y = 2x - 1", F), ("y = -2x + 1", F), ("y = x + 1", F), ("x = 2y + 1", F),
])
preds(C, "2x - y + 1 = 0", [("-2x + y - 1 = 0", T), ("y - 2x - 1 = 0", T), ("2x+1-y=0", T),
                            ("2x + y + 1 = 0", F), ("2x - y - 1 = 0", F)])
preds(C, "x^2 + y^2 = 25", [("y^2 + x^2 = 25", T), ("x^2+y^2=5^2", T), ("x^2 + y^2 = 5", F)])
preds(C, "y = -\\frac{1}{2}x + 3", [("y = 3 - 0.5x", T), ("y=-\\frac{x}{2}+3", T), ("y = -\\frac12 x + 3", T),
                                   ("y = \\frac{1}{2}x + 3", F), ("y = -2x + 3", F), ("y=-\\frac{1}{2}x-3", F)])
preds(C, "y = x^2 - 4x + 3", [("y = (x-1)(x-3)", T), ("y = (x-2)^2 - 1", T),
                              ("y = (x+1)(x+3)", F), ("y = (x-2)^2 + 1", F)])
preds(C, "3x + 4y = 12", [("4y + 3x = 12", T), ("3x + 4y - 12 = 0", T), ("y = -\\frac{3}{4}x + 3", T),
                          ("3x + 4y = 7", F), ("4x + 3y = 12", F)])
add(C, "y = 2x + 1", T, completion=boxed_sol("The slope is $\\frac{5-3}{2-1} = 2$ and the line passes through $(1,3)$, so its equation is", "y=2x+1"))
add(C, "y = 2x + 1", F, completion=boxed_sol("The slope is $\\frac{5-3}{2-1} = 2$ and the line passes through $(1,3)$, so its equation is", "y=2x+3"))

# --------------------------------------------------------------------------- sqrt
C = "sqrt"
preds(C, "2\\sqrt{3}", [
    ("\\sqrt{12}", T), ("2 \\sqrt 3", T), ("2\\sqrt3", T), ("12^{1/2}", T), ("\\sqrt{3}\\cdot 2", T),
    ("3\\sqrt{2}", F), ("\\sqrt{6}", F), ("2\\sqrt{2}", F), ("4\\sqrt{3}", F), ("12", F),
])
preds(C, "\\sqrt{12}", [("2\\sqrt{3}", T), ("3\\sqrt{2}", F)])
preds(C, "\\frac{\\sqrt{3}}{2}", [
    ("\\frac{1}{2}\\sqrt{3}", T), ("\\sqrt{3}/2", T), ("\\sqrt{\\frac{3}{4}}", T),
    ("\\frac{3}{2\\sqrt{3}}", T),
    ("\\frac{\\sqrt{2}}{2}", F), ("\\frac{3}{2}", F), ("\\sqrt{\\frac{3}{2}}", F), ("\\frac{2}{\\sqrt{3}}", F),
])
preds(C, "5\\sqrt{2}", [("\\sqrt{50}", T), ("50^{1/2}", T), ("5 \\sqrt 2", T),
                        ("\\sqrt{25}", F), ("2\\sqrt{5}", F)])
preds(C, "3+2\\sqrt{2}", [("(1+\\sqrt{2})^2", T), ("2\\sqrt{2}+3", T), ("3-2\\sqrt{2}", F)])
preds(C, "\\sqrt[3]{2}", [("2^{1/3}", T), ("\\sqrt{2}", F)])
preds(C, "4\\sqrt{6}", [("\\sqrt{96}", T), ("2\\sqrt{24}", T), ("6\\sqrt{4}", F), ("\\sqrt{24}", F)])
add(C, "2\\sqrt{3}", T, completion=boxed_sol("By the Pythagorean theorem the leg is $\\sqrt{4^2 - 2^2} = \\sqrt{12} =", "2\\sqrt{3}"))
add(C, "2\\sqrt{3}", F, completion=boxed_sol("By the Pythagorean theorem the leg is $\\sqrt{4^2 + 2^2} = \\sqrt{20} =", "2\\sqrt{5}"))

# --------------------------------------------------------------------------- pi
# Decimal approximations within 1e-3 (absolute) of the exact value are TRUE, coarser ones FALSE.
# 2pi = 6.2831853..., pi/4 = 0.7853981..., 36pi = 113.0973355..., 256pi/3 = 268.0825731...,
# 100 - 25pi = 21.4601836...
C = "pi"
preds(C, "2\\pi", [
    ("\\pi \\cdot 2", T), ("2 \\pi", T), ("6.283", T), ("6.2832", T), ("2\\cdot\\pi", T), ("\\frac{4\\pi}{2}", T),
    ("6.28", F), ("6.3", F), ("\\pi", F), ("4\\pi", F), ("\\frac{\\pi}{2}", F),
])
preds(C, "\\frac{\\pi}{4}", [("0.785", T), ("\\frac{1}{4}\\pi", T), ("\\pi/4", T), ("0.7854", T),
                             ("0.79", F), ("\\frac{\\pi}{2}", F), ("\\frac{4}{\\pi}", F), ("0.78", F)])
preds(C, "36\\pi", [("113.097", T), ("36 \\pi", T), ("6^2\\pi", T),
                    ("113.1", F), ("113", F), ("36", F)])
preds(C, "\\frac{256}{3}\\pi", [("\\frac{256\\pi}{3}", T), ("268.083", T),
                                ("268.1", F), ("\\frac{256}{3}", F)])
preds(C, "100 - 25\\pi", [("21.460", T), ("-25\\pi + 100", T), ("25(4-\\pi)", T),
                          ("25\\pi - 100", F), ("21.5", F)])
add(C, "36\\pi", T, completion=boxed_sol("The volume of a sphere of radius 3 is $\\frac{4}{3}\\pi \\cdot 3^3 =", "36\\pi"))
add(C, "36\\pi", F, completion=boxed_sol("The volume of a sphere of radius 3 is $\\frac{4}{3}\\pi \\cdot 3^2 =", "12\\pi"))

# --------------------------------------------------------------------------- symbolic
C = "symbolic"
preds(C, "(x+1)^2", [("x^2+2x+1", T), ("(x+1)(x+1)", T), ("(1+x)^2", T),
                     ("x^2+1", F), ("(x-1)^2", F)])
preds(C, "x^2+2x+1", [("(x+1)^2", T), ("(x+2)^2", F)])
preds(C, "x^2 - 4", [("(x-2)(x+2)", T), ("(x-2)^2", F)])
preds(C, "\\frac{x}{2}", [("0.5x", T), ("\\frac{1}{2}x", T), ("x/2", T),
                          ("2x", F), ("\\frac{2}{x}", F)])
preds(C, "\\frac{1}{\\sqrt{2}}", [("\\frac{\\sqrt{2}}{2}", T), ("2^{-1/2}", T),
                                  ("\\sqrt{2}", F), ("\\frac{1}{2}", F)])
preds(C, "\\sin 2x", [("2\\sin x\\cos x", T), ("2 \\cos x \\sin x", T), ("\\sin x \\cos x", F)])
preds(C, "\\cos 2x", [("1 - 2\\sin^2 x", T), ("\\cos^2 x - \\sin^2 x", T), ("2\\cos^2 x - 1", T),
                      ("2\\sin^2 x - 1", F), ("\\sin^2 x - \\cos^2 x", F)])
preds(C, "\\tan x", [("\\frac{\\sin x}{\\cos x}", T), ("\\frac{\\cos x}{\\sin x}", F)])
preds(C, "\\sec^2 x", [("1+\\tan^2 x", T), ("1-\\tan^2 x", F)])
preds(C, "2x(x-1)(x-2)", [("2x^3 - 6x^2 + 4x", T), ("2x^3 - 6x^2 - 4x", F)])
preds(C, "x^3 + 8", [("(x+2)(x^2-2x+4)", T), ("(x+2)(x^2+2x+4)", F)])
preds(C, "6x^2+7x-3", [("(2x+3)(3x-1)", T), ("(2x-3)(3x+1)", F)])
preds(C, "3x - 2", [("-2 + 3x", T), ("3x + 2", F), ("2 - 3x", F)])
preds(C, "\\frac{1}{x}", [("x^{-1}", T), ("-x", F)])
preds(C, "e^{2x}", [("(e^x)^2", T), ("2e^x", F)])
preds(C, "a^2 b", [("ba^2", T), ("ab^2", F)])
add(C, "(x+1)^2", T, completion=boxed_sol("Expanding, $(x+1)^2 = x^2 + 2x + 1$, so the answer is", "x^2+2x+1"))
add(C, "(x+1)^2", F, completion=boxed_sol("Expanding, we get", "x^2+1"))

# --------------------------------------------------------------------------- text
C = "text"
preds(C, "\\text{(C)}", [("C", T), ("(C)", T), ("\\text{C}", T), ("\\textbf{(C)}", T),
                         ("D", F), ("\\text{(D)}", F), ("(B)", F)])
preds(C, "C", [("\\text{(C)}", T), ("(C)", T), ("\\text{(E)}", F)])
preds(C, "\\text{Monday}", [("Monday", T), ("monday", T), ("\\textbf{Monday}", T), ("MONDAY", T),
                            ("\\text{Tuesday}", F), ("Sunday", F)])
preds(C, "\\text{even}", [("even", T), ("Even", T), ("\\text{Even}", T), ("\\text{odd}", F)])
preds(C, "\\text{neither}", [("neither", T), ("\\text{Neither}", T), ("\\text{odd}", F), ("even", F)])
preds(C, "\\text{(A)}", [("A", T), ("\\text{A}", T), ("B", F), ("\\text{(B)}", F)])
preds(C, "\\text{Friday}", [("Friday", T), ("Thursday", F)])
preds(C, "\\text{Yes}", [("yes", T), ("No", F)])
add(C, "\\text{(C)}", T, completion=boxed_sol("Only option (C) satisfies both conditions, so the answer is", "\\text{(C)}"))
add(C, "\\text{(C)}", F, completion=boxed_sol("Only option (D) satisfies both conditions, so the answer is", "\\text{(D)}"))

# --------------------------------------------------------------------------- multi-answer
# gold is a list (one entry per \boxed in a MATH reference); the completion must box all of them,
# in any order, and nothing else.
C = "multi-answer"
Q = "Factoring, $x^2 + x - 6 = (x-2)(x+3) = 0$."
add(C, ["2", "-3"], T, completion=Q + " So $x = \\boxed{2}$ or $x = \\boxed{-3}$.")
add(C, ["2", "-3"], T, completion=Q + " The solutions are $\\boxed{-3}$ and $\\boxed{2}$.")
add(C, ["2", "-3"], T, completion=Q + " The solutions are $\\boxed{-3, 2}$.")
add(C, ["2", "-3"], F, completion=Q + " Since we need a positive solution, $x = \\boxed{2}$.")
add(C, ["2", "-3"], F, completion=Q + " The solutions are $\\boxed{2}$, $\\boxed{-3}$, and $\\boxed{5}$.")
add(C, ["2", "-3"], F, completion="Factoring, $(x-2)(x-3) = 0$. The solutions are $\\boxed{2}$ and $\\boxed{3}$.")
Q = "Factoring, $2x^2 - 9x + 4 = (2x-1)(x-4) = 0$."
add(C, ["\\frac{1}{2}", "4"], T, completion=Q + " The roots are $\\boxed{4}$ and $\\boxed{0.5}$.")
add(C, ["\\frac{1}{2}", "4"], T, completion=Q + " The roots are $\\boxed{\\frac12}$ and $\\boxed{4}$.")
add(C, ["\\frac{1}{2}", "4"], F, completion=Q + " The root is $\\boxed{\\frac{1}{2}}$.")
add(C, ["\\frac{1}{2}", "4"], F, completion="Factoring, $(x-2)(x-4) = 0$. The roots are $\\boxed{4}$ and $\\boxed{2}$.")
Q = "The polynomial factors as $(x+1)(x-1)(x-3)$."
add(C, ["-1", "1", "3"], T, completion=Q + " Its roots are $\\boxed{3}$, $\\boxed{-1}$, and $\\boxed{1}$.")
add(C, ["-1", "1", "3"], T, completion=Q + " Its roots are $\\boxed{-1}$, $\\boxed{1}$, $\\boxed{3}$.")
add(C, ["-1", "1", "3"], F, completion=Q + " Its roots are $\\boxed{-1}$ and $\\boxed{3}$.")
add(C, ["-1", "1", "3"], F, completion=Q + " Its roots are $\\boxed{-1}$, $\\boxed{0}$, $\\boxed{1}$, and $\\boxed{3}$.")
Q = "By symmetry of the system $x + y = 3$, $xy = 2$, the solutions are"
add(C, ["(1,2)", "(2,1)"], T, completion=Q + " $\\boxed{(2,1)}$ and $\\boxed{(1,2)}$.")
add(C, ["(1,2)", "(2,1)"], F, completion=Q + " $\\boxed{(1,2)}$ only.")
add(C, ["(1,2)", "(2,1)"], F, completion=Q + " $\\boxed{(1,2)}$ and $\\boxed{(2,-1)}$.")
Q = "Squaring gives $x^2 = 5$, and both roots check."
add(C, ["\\sqrt{5}", "-\\sqrt{5}"], T, completion=Q + " So $x = \\boxed{-\\sqrt{5}}$ or $x = \\boxed{\\sqrt{5}}$.")
add(C, ["\\sqrt{5}", "-\\sqrt{5}"], F, completion=Q + " So $x = \\boxed{\\sqrt{5}}$.")
add(C, ["\\sqrt{5}", "-\\sqrt{5}"], F, completion=Q + " So $x = \\boxed{\\sqrt{5}}$, $\\boxed{-\\sqrt{5}}$, or $\\boxed{0}$.")
Q = "The fourth vertex $d$ can be $a + c - b$, $a + b - c$, or $b + c - a$, which gives"
add(C, ["5-10i", "11", "-3+6i"], T, completion=Q + " $\\boxed{11}$, $\\boxed{-3+6i}$, and $\\boxed{5-10i}$.")
add(C, ["5-10i", "11", "-3+6i"], F, completion=Q + " $\\boxed{11}$, $\\boxed{-3+6i}$, and $\\boxed{5+10i}$.")
Q = "Applying the vertical line test to each graph,"
add(C, ["A", "D"], T, completion=Q + " the functions are $\\boxed{\\text{D}}$ and $\\boxed{\\text{A}}$.")
add(C, ["A", "D"], F, completion=Q + " the only function is $\\boxed{\\text{A}}$.")
add(C, ["A", "D"], F, completion=Q + " the functions are $\\boxed{\\text{A}}$, $\\boxed{\\text{B}}$, and $\\boxed{\\text{D}}$.")
Q = "The quadratic factors as $(x-1)(x-3)$, so the solutions are"
add(C, ["1", "3"], T, completion=Q + " $\\boxed{1, 3}$.")
add(C, ["1", "3"], F, completion=Q + " $\\boxed{1, 3, 5}$.")
# MATH golds repeat a value when the reference boxes it twice: as a set this is just {10}.
add(C, ["10", "10"], T, completion="Each side has length $\\frac{40}{4}$, so the side length is $\\boxed{10}$.")
add(C, ["10", "10"], F, completion="Each side has length $\\frac{44}{4}$, so the side length is $\\boxed{11}$.")

# --------------------------------------------------------------------------- extraction
C = "extraction"
def twin(gold, good, bad):
    add(C, gold, T, completion=good)
    add(C, gold, F, completion=bad)

twin("5", "Adding, $2 + 3 = 5$.\nThe final answer is $5$. I hope it is correct.",
          "Adding, $2 + 4 = 6$.\nThe final answer is $6$. I hope it is correct.")
twin("5", "Adding the two counts gives $2 + 3$, so the answer is $\\boxed{5}$.",
          "Adding the two counts gives $2 + 2$, so the answer is $\\boxed{4}$.")
twin("12", "There are $3 \\cdot 4$ ways in total, that is $\\fbox{12}$.",
           "There are $3 \\cdot 7$ ways in total, that is $\\fbox{21}$.")
twin("\\frac{1}{2}", "The probability is $\\frac{3}{6} = \\boxed{\\frac{1}{2}}$.",
                     "The probability is $\\frac{2}{6} = \\boxed{\\frac{1}{3}}$.")
twin("50\\%", "Half of the 40 students passed, so $\\boxed{50}\\%$ of the students passed.",
              "Of the 40 students, 16 passed, so $\\boxed{40}\\%$ of the students passed.")
twin("0.5", "Half of the 40 students passed, so $\\boxed{50}\\%$ of the students passed.",
            "Two of the 40 students passed, so $\\boxed{5}\\%$ of the students passed.")
twin("42", "Tom has 30 apples and buys 12 more, so he has 30 + 12 = 42 apples.\nThe answer is: 42",
           "Tom has 30 apples and gives away 6, so he has 30 - 6 = 24 apples.\nThe answer is: 24")
twin("42", "Tom has 30 apples and buys 12 more.\nHe has 30 + 12 = <<30+12=42>>42 apples.\n#### 42",
           "Tom has 30 apples and buys 11 more.\nHe has 30 + 11 = <<30+11=41>>41 apples.\n#### 41")
twin("42", "Tom has 30 apples and buys 12 more. 30 + 12 = 42. So Tom now has 42 apples.",
           "Tom has 30 apples and buys 13 more. 30 + 13 = 43. So Tom now has 43 apples.")
twin("\\frac{3}{4}", "Dividing, the ratio is $\\frac{6}{8}$.\nThe final answer is $\\frac{3}{4}$. I hope it is correct.",
                     "Dividing, the ratio is $\\frac{8}{6}$.\nThe final answer is $\\frac{4}{3}$. I hope it is correct.")
twin("12", "Thus the total is $\\boxed{12}$. (Check: 3 crates of 4 apples each.)",
           "Thus the total is $\\boxed{16}$. (Check: 4 crates of 4 apples each.)")
twin("\\text{(B)}", "Checking each option, only (B) works. $\\boxed{\\text{(B)}}$",
                    "Checking each option, only (E) works. $\\boxed{\\text{(E)}}$")
twin("3", "Dividing both sides by 4, we obtain $\\boxed{x=3}$.",
          "Dividing both sides by -4, we obtain $\\boxed{x=-3}$.")
twin("\\frac{5}{2}", "Therefore, the answer is $\\boxed{\\dfrac{5}{2}}$.",
                     "Therefore, the answer is $\\boxed{\\dfrac{2}{5}}$.")
twin("\\frac{\\sqrt{2}}{2}", "Hence $\\sin 45^\\circ = \\boxed{\\sqrt{\\frac{1}{2}}}$.",
                             "Hence the ratio is $\\boxed{\\sqrt{\\frac{1}{3}}}$.")
twin("42", "Adding up all of the boxes, 10 + 14 + 18 = 42. The answer is 42.",
           "Adding up all of the boxes, 10 + 16 + 18 = 44. The answer is 44.")
twin("1200", "He earns 40 * 30 = $<<40*30=1200>>1,200 a month.\n#### 1,200",
             "He earns 34 * 30 = $<<34*30=1020>>1,020 a month.\n#### 1,020")
twin("(2,-1)", "Substituting back, $y = -1$.\nThe final answer is $(2,-1)$. I hope it is correct.",
               "Substituting back, $x = -1$.\nThe final answer is $(-1,2)$. I hope it is correct.")
twin("7", "The remainder is $\\boxed{ 7 }$.", "The remainder is $\\boxed{ 17 }$.")
twin("18", "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer's market.\n#### 18",
           "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer's market.\n#### 81")
twin("2", "Step 1: The graph has 2 vertical asymptotes at $x = 2$ and $x = -3$.\nStep 2: Both are valid.\nThe answer is $\\boxed{2}$.",
          "Step 1: The denominator vanishes at $x = 2$, $x = -3$ and $x = 0$.\nStep 2: All three are valid.\nThe answer is $\\boxed{3}$.")
twin("12", "Step 1: There are 5 red and 7 blue marbles.\nStep 2: 5 + 7 = 12 marbles in total.\nSo the bag contains 12 marbles.",
           "Step 1: There are 5 red and 6 blue marbles.\nStep 2: 5 + 6 = 11 marbles in total.\nSo the bag contains 11 marbles.")
twin("\\frac14", "Each of the four outcomes is equally likely.\nThe answer is: $\\frac{1}{4}$",
                 "Each of the three outcomes is equally likely.\nThe answer is: $\\frac{1}{3}$")

# --------------------------------------------------------------------------- reference
# Reference solutions copied verbatim from data/test/. Label true with the row's answer list as gold;
# the edited copies change only the final boxed / #### answer to a hand-chosen different value.
C = "reference"

def load(path):
    with open(os.path.join(ROOT, path)) as f:
        return {r["idx"]: r for r in map(json.loads, f)}

MATH = load("data/test/MATH_test_data.jsonl")
GSM = load("data/test/GSM8K_test_data.jsonl")

# MATH rows (drawn with random.Random(20240611), 7 per subject, among rows with exactly one \boxed,
# a one-element answer equal to the boxed text, and nothing numeric after the box), then read by hand.
MATH_PICK = [792, 1077, 1015, 438, 335, 1064, 198,
             1467, 1473, 1445, 1206, 1371, 1423, 1655,
             1763, 1702, 1981, 1943, 1897, 2123, 1733,
             2418, 2339, 2200, 2451, 2637, 2145, 2506,
             3296, 3297, 3389, 3378, 3231, 3438, 3561,
             4149, 4206, 3947, 3665, 4442, 3967, 4142,
             4729, 4828, 4683, 4676, 4990, 4610, 4890]
# hand-chosen wrong replacements for the boxed answer (old -> new)
MATH_EDIT = {
    792: ("-102", "-96"), 1015: ("\\frac{1}{9}", "\\frac{1}{3}"), 335: ("\\frac{4}{5}", "\\frac{5}{4}"),
    198: ("7", "-7"), 1473: ("4060", "4600"), 1206: ("\\frac{161}{36}", "\\frac{151}{36}"),
    1423: ("\\frac{73}{100}", "\\frac{27}{100}"), 1763: ("10", "20"),
    1702: ("-\\frac{\\sqrt{2}}{2}", "\\frac{\\sqrt{2}}{2}"), 1897: ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}"),
    2123: ("8", "9"), 2418: ("175", "157"), 2339: ("\\frac{1}{3}", "3"), 2637: ("19941989", "19941990"),
    2506: ("15", "30"), 3296: ("21", "42"), 3389: ("160", "120"), 3378: ("406", "402"), 3438: ("36", "32"),
    4149: ("30", "13"), 4206: ("18", "9"), 4442: ("23", "29"), 4729: ("15", "5"), 4828: ("\\frac{1}{9}", "9"),
    4676: ("4", "2"), 4890: ("4", "1"),
}
# MATH rows whose answer list has several distinct entries (all solutions boxed)
MATH_MULTI = [415, 2157, 2176, 2229, 2166]
MULTI_EDIT = {  # exact substring replacement in the output
    415: ("$\\boxed{1}$", "$\\boxed{2}$"),                                  # one root wrong
    2176: ("\\boxed{\\frac{5}{2},-3}", "\\boxed{\\frac{5}{2},3}"),          # one root wrong
    2229: ("\\boxed{\\frac{1}{2}, -\\frac{1}{12}}", "\\boxed{\\frac{1}{2}}"),  # one root missing
}
# GSM8K rows: drawn with the same generator (28 with plain-integer answers, 4 with comma answers),
# then trimmed by hand to keep the category near 120 cases.
GSM_PICK = [112, 61, 843, 862, 688, 1171, 1251, 372,
            127, 601, 676, 430, 1081, 22, 694, 1125, 35, 491, 514, 746, 610, 1009, 642, 611]
GSM_EDIT = {112: "42", 61: "1300", 843: "21", 862: "80", 1171: "3610", 676: "960",
            430: "133", 1125: "900", 514: "120000", 610: "65,690", 1009: "1,785",
            611: "1,540,000"}

SOURCES = []  # (id placeholder index, source idx, note)

def boxed_spans(s):
    out, i = [], 0
    while True:
        j = s.find("\\boxed{", i)
        if j < 0:
            return out
        k, d = j + 7, 1
        while k < len(s) and d:
            d += {"{": 1, "}": -1}.get(s[k], 0)
            k += 1
        out.append((j, k, s[j + 7:k - 1]))
        i = k

ref_true, ref_false = [], []
for n in MATH_PICK:
    r = MATH["hendrycks_math_%d" % n]
    assert r["idx"] != "hendrycks_math_4135"
    spans = boxed_spans(r["output"])
    assert len(spans) == 1 and [spans[0][2]] == r["answer"], n
    ref_true.append((r["answer"], r["output"], True, r["idx"], "verbatim"))
    if n in MATH_EDIT:
        old, new = MATH_EDIT[n]
        j, k, body = spans[0]
        assert body == old, (n, body)
        out = r["output"][:j] + "\\boxed{" + new + "}" + r["output"][k:]
        ref_false.append((r["answer"], out, False, r["idx"], "boxed %s -> %s" % (old, new)))
for n in MATH_MULTI:
    r = MATH["hendrycks_math_%d" % n]
    ref_true.append((r["answer"], r["output"], True, r["idx"], "verbatim"))
    if n in MULTI_EDIT:
        old, new = MULTI_EDIT[n]
        assert r["output"].count(old) == 1, n
        ref_false.append((r["answer"], r["output"].replace(old, new), False, r["idx"], "%s -> %s" % (old, new)))
for n in GSM_PICK:
    r = GSM["GSM8K_%d" % n]
    out = r["output"]
    m = re.search(r"\n#### (\S+)$", out)
    assert m and out.count("####") == 1 and [m.group(1)] == r["answer"], n
    ref_true.append((r["answer"], out, True, r["idx"], "verbatim"))
    if n in GSM_EDIT:
        new = GSM_EDIT[n]
        ref_false.append((r["answer"], out[:m.start(1)] + new, False, r["idx"], "#### %s -> %s" % (m.group(1), new)))

for gold, out, lab, src, note in ref_true + ref_false:
    add(C, gold, lab, completion=out, kind="reference")
    SOURCES.append((len(cases) - 1, src, note))

# --------------------------------------------------------------------------- number, check, write
counters = {}
for row in cases:
    c = row["category"]
    counters[c] = counters.get(c, 0) + 1
    row["id"] = "%s-%03d" % (c, counters[c])

ids = [r["id"] for r in cases]
assert len(ids) == len(set(ids))
with open(OUT, "w") as f:
    for row in cases:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")

with open(os.path.join(HERE, "reference-sources.tsv"), "w") as f:
    f.write("id\tsource_idx\tchange\n")
    for i, src, note in SOURCES:
        f.write("%s\t%s\t%s\n" % (cases[i]["id"], src, note))
print("wrote %d cases to %s" % (len(cases), OUT))
