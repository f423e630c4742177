"""Courses: members with a role, assignments with deadlines, gradebook and statistics."""
