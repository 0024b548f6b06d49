-- 0001_core_tables.sql - the user's data model (seed/data-model.md), with the
-- tables the seed names without DDL created in dependency order so the seed's
-- foreign keys resolve. Seed tables are exactly as the seed writes them.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username VARCHAR(255) UNIQUE NOT NULL,
    email VARCHAR(255) UNIQUE NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    full_name VARCHAR(255),
    role VARCHAR(50) NOT NULL,
    enabled BOOLEAN DEFAULT true,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_users_username ON users(username);
CREATE INDEX idx_users_email ON users(email);

CREATE TABLE bmd_projects (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_projects_user ON bmd_projects(user_id);
CREATE INDEX idx_projects_created ON bmd_projects(created_at DESC);

-- Not in the seed's DDL: the platform an experiment was measured on
-- (BMDExpress "chip"; "Generic" when no annotation applies).
CREATE TABLE chip_info (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    provider VARCHAR(255),
    species VARCHAR(255),
    geo_id VARCHAR(64),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT ux_chip_info_name UNIQUE (name)
);

CREATE TABLE dose_response_experiments (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES bmd_projects(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    chip_info_id BIGINT REFERENCES chip_info(id),
    log_transformation VARCHAR(50),
    expression_matrix_s3_key VARCHAR(512),
    num_probes INTEGER,
    num_treatments INTEGER,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_experiments_project ON dose_response_experiments(project_id);

-- One row per sample (BMDExpress "treatment"), in dose order.
CREATE TABLE treatments (
    id BIGSERIAL PRIMARY KEY,
    experiment_id BIGINT NOT NULL REFERENCES dose_response_experiments(id) ON DELETE CASCADE,
    sample_index INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    dose DOUBLE PRECISION NOT NULL,
    CONSTRAINT ux_treatments_natural UNIQUE (experiment_id, sample_index)
);

-- One row per probe: its responses in treatment order (the full matrix also
-- lives in S3 as matrix.bin; these rows serve queries on single probes).
CREATE TABLE probe_responses (
    id BIGSERIAL PRIMARY KEY,
    experiment_id BIGINT NOT NULL REFERENCES dose_response_experiments(id) ON DELETE CASCADE,
    probe_index INTEGER NOT NULL,
    probe_id VARCHAR(255) NOT NULL,
    responses REAL[] NOT NULL,
    CONSTRAINT ux_probe_responses_natural UNIQUE (experiment_id, probe_id),
    CONSTRAINT ux_probe_responses_index UNIQUE (experiment_id, probe_index)
);

-- A prefilter run: natural key = its input (experiment) + a hash of its
-- parameters, so re-delivered events upsert the same row.
CREATE TABLE prefilter_results (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES bmd_projects(id) ON DELETE CASCADE,
    experiment_id BIGINT NOT NULL REFERENCES dose_response_experiments(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    method VARCHAR(50) NOT NULL,
    params_hash CHAR(64) NOT NULL,
    parameters JSONB,
    num_tested INTEGER,
    num_passed INTEGER,
    results_s3_key VARCHAR(512),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT ux_prefilter_results_natural UNIQUE (experiment_id, params_hash)
);

CREATE INDEX idx_prefilter_results_project ON prefilter_results(project_id);

CREATE TABLE prefilter_result_details (
    id BIGSERIAL PRIMARY KEY,
    prefilter_id BIGINT NOT NULL REFERENCES prefilter_results(id) ON DELETE CASCADE,
    probe_id VARCHAR(255) NOT NULL,
    statistic DOUBLE PRECISION,
    p_value DOUBLE PRECISION,
    adjusted_p_value DOUBLE PRECISION,
    best_fold_change DOUBLE PRECISION,
    fold_changes DOUBLE PRECISION[],
    noel_dose DOUBLE PRECISION,
    loel_dose DOUBLE PRECISION,
    passed BOOLEAN NOT NULL,
    CONSTRAINT ux_prefilter_details_natural UNIQUE (prefilter_id, probe_id)
);

CREATE TABLE bmd_results (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES bmd_projects(id) ON DELETE CASCADE,
    experiment_id BIGINT REFERENCES dose_response_experiments(id),
    prefilter_id BIGINT REFERENCES prefilter_results(id),
    name VARCHAR(255) NOT NULL,
    bmd_method VARCHAR(50) NOT NULL,
    analysis_info JSONB,
    results_s3_key VARCHAR(512),
    num_results INTEGER,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_bmd_results_project ON bmd_results(project_id);
CREATE INDEX idx_bmd_results_experiment ON bmd_results(experiment_id);
CREATE INDEX idx_bmd_results_prefilter ON bmd_results(prefilter_id);
CREATE INDEX idx_bmd_results_method ON bmd_results(bmd_method);

-- Natural key of a BMD result without changing the seed's columns: its
-- inputs plus its name, which carries the hash of the BMD parameters.
CREATE UNIQUE INDEX ux_bmd_results_natural ON bmd_results
    (experiment_id, prefilter_id, bmd_method, name) NULLS NOT DISTINCT;

CREATE TABLE probe_stat_results (
    id BIGSERIAL PRIMARY KEY,
    bmd_result_id BIGINT NOT NULL REFERENCES bmd_results(id) ON DELETE CASCADE,
    probe_id VARCHAR(255) NOT NULL,
    best_model VARCHAR(50),
    best_bmd DOUBLE PRECISION,
    best_bmdl DOUBLE PRECISION,
    best_bmdu DOUBLE PRECISION,
    best_fit_p_value DOUBLE PRECISION,
    best_aic DOUBLE PRECISION,
    direction SMALLINT,
    models JSONB,
    CONSTRAINT ux_probe_stat_results_natural UNIQUE (bmd_result_id, probe_id)
);

CREATE INDEX idx_probe_stat_results_bmd ON probe_stat_results(best_bmd);

CREATE TABLE category_results (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES bmd_projects(id) ON DELETE CASCADE,
    bmd_result_id BIGINT NOT NULL REFERENCES bmd_results(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    category_type VARCHAR(50) NOT NULL,
    params_hash CHAR(64) NOT NULL,
    parameters JSONB,
    num_categories INTEGER,
    tpod JSONB,
    results_s3_key VARCHAR(512),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT ux_category_results_natural UNIQUE (bmd_result_id, params_hash)
);

CREATE INDEX idx_category_results_project ON category_results(project_id);

CREATE TABLE category_result_details (
    id BIGSERIAL PRIMARY KEY,
    category_result_id BIGINT NOT NULL REFERENCES category_results(id) ON DELETE CASCADE,
    category_id VARCHAR(255) NOT NULL,
    category_name TEXT,
    genes_in_category INTEGER,
    genes_passed INTEGER,
    fisher_p_value DOUBLE PRECISION,
    bmd_median DOUBLE PRECISION,
    bmdl_median DOUBLE PRECISION,
    bmdu_median DOUBLE PRECISION,
    bmd_mean DOUBLE PRECISION,
    bmd_min DOUBLE PRECISION,
    statistics JSONB,
    CONSTRAINT ux_category_details_natural UNIQUE (category_result_id, category_id)
);

CREATE INDEX idx_category_details_median ON category_result_details(bmd_median);

CREATE TABLE jobs (
    id VARCHAR(36) PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    project_id BIGINT REFERENCES bmd_projects(id),
    job_type VARCHAR(50) NOT NULL,
    status VARCHAR(50) NOT NULL,
    progress DOUBLE PRECISION DEFAULT 0.0,
    message TEXT,
    parameters JSONB,
    result_id BIGINT,
    error_message TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    started_at TIMESTAMP,
    completed_at TIMESTAMP
);

CREATE INDEX idx_jobs_user ON jobs(user_id);
CREATE INDEX idx_jobs_project ON jobs(project_id);
CREATE INDEX idx_jobs_status ON jobs(status);
CREATE INDEX idx_jobs_created ON jobs(created_at DESC);

-- Poison messages, kept for inspection and re-drive (the dead-letter topic
-- holds them too); one row per source position and stage.
CREATE TABLE dead_letters (
    id BIGSERIAL PRIMARY KEY,
    source_topic VARCHAR(255) NOT NULL,
    source_partition INTEGER NOT NULL,
    source_offset BIGINT NOT NULL,
    stage VARCHAR(50) NOT NULL,
    job_id VARCHAR(36),
    error_class VARCHAR(50) NOT NULL,
    error_message TEXT NOT NULL,
    message_key TEXT,
    payload BYTEA,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT ux_dead_letters_natural UNIQUE (source_topic, source_partition, source_offset, stage)
);
