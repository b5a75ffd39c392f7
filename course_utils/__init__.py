"""Helpers for the Sign Language MNIST course.

What the lessons import sits at the top of the package: ``data`` (finding the data, the
letters), ``plots``, ``evaluation``, ``records`` (what a notebook displays and the runner reads
back), ``exercises`` (the lessons' exercises and their checks), ``lesson_model`` (the network of
lessons 03 and 04a, described once), ``saved_models`` (the models a lesson saves for a later
one), ``photos`` (the image files of lesson 04b, and reading any image file upright), ``errors``
(problems a student can fix, shown as their message alone), ``i18n`` (the language of messages
and numbers) and ``layout`` (where the course keeps things). The instructor's tools (``python -m
course_utils ...``) live in ``course_utils.tools``.
"""
