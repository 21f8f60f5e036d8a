-- The synthetic store (producers/synthetic): counters, publications, a write-only-synthetic role
-- and the immutability of published batches. Append-only: change in a new file.

ALTER TABLE synthetic.batches
  ADD COLUMN cases_total    integer NOT NULL DEFAULT 0,
  ADD COLUMN cases_accepted integer NOT NULL DEFAULT 0,
  ADD COLUMN cases_repaired integer NOT NULL DEFAULT 0,
  ADD COLUMN cases_flagged  integer NOT NULL DEFAULT 0,
  ADD COLUMN cases_rejected integer NOT NULL DEFAULT 0,
  ADD COLUMN error          text,
  ADD COLUMN finished_at    timestamptz,
  -- A published batch has a publication time; nothing else does.
  ADD CONSTRAINT batches_published_at CHECK ((status = 'published') = (published_at IS NOT NULL));

-- Batch ids carry their origin too, so that a batch id can never be mistaken for anything real.
ALTER TABLE synthetic.batches ADD CONSTRAINT batches_id_prefix CHECK (batch_id LIKE 'syn-batch-%');

CREATE INDEX synthetic_batches_created_at ON synthetic.batches (created_at DESC);
CREATE INDEX synthetic_cases_status ON synthetic.cases (batch_id, status);

-- Every time a batch went to a topic: its first publication and each replay.
CREATE TABLE synthetic.publications (
  batch_id     text        NOT NULL REFERENCES synthetic.batches (batch_id),
  kind         text        NOT NULL CHECK (kind IN ('publish', 'replay')),
  topic        text        NOT NULL,
  cases        integer     NOT NULL,
  published_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (batch_id, published_at)
);

-- A published batch is immutable: its row and its cases can be neither changed nor deleted, and
-- no case can be added to it. SQLSTATE PC409 is mapped to PCC_BATCH_IMMUTABLE by the repository.
CREATE FUNCTION synthetic.refuse_published_batch_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published' THEN
    RAISE EXCEPTION 'synthetic batch % is published and immutable', OLD.batch_id USING ERRCODE = 'PC409';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER batches_immutable BEFORE UPDATE OR DELETE ON synthetic.batches
  FOR EACH ROW EXECUTE FUNCTION synthetic.refuse_published_batch_change();

CREATE FUNCTION synthetic.refuse_published_case_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  b text := CASE WHEN TG_OP = 'DELETE' THEN OLD.batch_id ELSE NEW.batch_id END;
BEGIN
  IF EXISTS (SELECT 1 FROM synthetic.batches WHERE batch_id = b AND status = 'published')
     OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM synthetic.batches WHERE batch_id = OLD.batch_id AND status = 'published')) THEN
    RAISE EXCEPTION 'synthetic batch % is published and immutable', b USING ERRCODE = 'PC409';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER cases_immutable BEFORE INSERT OR UPDATE OR DELETE ON synthetic.cases
  FOR EACH ROW EXECUTE FUNCTION synthetic.refuse_published_case_change();

-- Synthetic rows never reach the real tables: a real prediction cannot carry a synthetic case id
-- (the synthetic provenance columns are already checked by predictions_synthetic_provenance).
ALTER TABLE pcc.prediction_keys ADD CONSTRAINT prediction_keys_real_not_synthetic
  CHECK (source = 'synthetic' OR case_id NOT LIKE 'syn-%');
ALTER TABLE pcc.predictions ADD CONSTRAINT predictions_real_not_synthetic
  CHECK (source = 'synthetic' OR case_id NOT LIKE 'syn-%');

-- The role the synthetic store writes as (SET LOCAL ROLE in each of its transactions): it may
-- write the synthetic schema and nothing else, so a bug there cannot write a real table.
-- Roles are cluster-wide: created once, and only where the migrating user may create roles.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pcc_synthetic') THEN
    BEGIN
      CREATE ROLE pcc_synthetic NOLOGIN;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'cannot create role pcc_synthetic here; the synthetic store will write as the connecting user';
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pcc_synthetic') THEN
    -- The pcc schema holds the intent domain the synthetic tables use: lookup only, no tables.
    GRANT USAGE ON SCHEMA pcc TO pcc_synthetic;
    REVOKE ALL ON ALL TABLES IN SCHEMA pcc FROM pcc_synthetic;
    GRANT USAGE ON SCHEMA synthetic TO pcc_synthetic;
    GRANT SELECT, INSERT, UPDATE, DELETE ON synthetic.batches, synthetic.cases, synthetic.publications TO pcc_synthetic;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'pcc_synthetic', 'MEMBER') THEN
      EXECUTE format('GRANT pcc_synthetic TO %I', current_user);
    END IF;
  END IF;
END $$;
