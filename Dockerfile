# Ask Lucky service image: builds the embedded dataset at image build time, serves read-only.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LUCKY_DATA_DIR=/srv/data/full UV_LINK_MODE=copy
WORKDIR /srv
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock README.md ./
COPY app ./app
COPY tools ./tools
COPY schema_catalog ./schema_catalog
COPY prompts ./prompts
COPY guardrails ./guardrails
COPY evals ./evals
RUN uv sync --frozen --no-dev
ARG LUCKY_BUILD_SCALE=1.0
RUN .venv/bin/lucky data build --out /srv/data/full --scale ${LUCKY_BUILD_SCALE}
EXPOSE 8000
USER nobody
CMD [".venv/bin/lucky", "serve", "--host", "0.0.0.0", "--port", "8000"]
