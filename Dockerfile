# syntax=docker/dockerfile:1
# Python as in CI (.ci/run runs the suite on 3.11 from the same lock file).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 portaali
WORKDIR /app

# Dependencies first, in their own cached layer: exactly the locked versions, hashes checked.
COPY requirements.txt ./
RUN pip install --no-compile --require-hashes -r requirements.txt

# .dockerignore keeps .env, databases, .venv, .git and build leftovers out of the image.
COPY --chown=portaali:portaali . .
RUN DEBUG=False SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER 1000:1000
EXPOSE 8000
# The probe sends a Host from ALLOWED_HOSTS (the -e value), so Django's host check accepts it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]
# One access log: the app's request-log middleware (kumppanuus.requests, no query strings);
# gunicorn's own access log stays off.
CMD ["gunicorn", "kumppanuus.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
