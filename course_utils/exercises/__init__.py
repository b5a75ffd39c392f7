"""The lessons' exercises, and the checks that tell a student whether an answer is right, and why.

Lesson 03: write the answer in its variable (``answer_1 = ...``) and run the check cell,
``check_exercise(1, answer_1)``. Each of those exercises is described as data in ``numeric``:
its expected value, computed from the lesson's network (``course_utils.lesson_model``), and a
hint for each known wrong answer. Exercise 5 asks for Keras code: build ``model_valid`` and run
``check_valid_model(model_valid)`` (``valid_model``), which inspects its layers.

Lesson 04a: write the schedule ``schedule_64`` and run
``check_schedule(schedule_64, len(x_train), EPOCHS)`` (``cosine_schedule``), which accepts any
schedule that gives the right rates and names the usual slips.

Lesson 04b: write ``predict_letter(path)`` and run
``check_predict_letter(predict_letter, model, paths)`` (``predict_letter``), which compares it
with the lesson's own steps.
"""

from course_utils.exercises.feedback import Feedback
from course_utils.exercises.numeric import check_exercise
from course_utils.exercises.predict_letter import check_predict_letter, lesson_steps
from course_utils.exercises.valid_model import check_valid_model

__all__ = [
    "Feedback",
    "check_exercise",
    "check_predict_letter",
    "check_valid_model",
    "lesson_steps",
]
