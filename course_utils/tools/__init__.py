"""The instructor's tools: preparing data, running, checking and handing out the lessons.

Run them with ``python -m course_utils <command>`` (see ``cli``). The lessons never import
anything from here.
"""
