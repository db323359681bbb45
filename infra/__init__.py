"""Infrastructure: the deployable template and the build that packages it."""
