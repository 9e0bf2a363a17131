-- kean schema v12: a screening result keeps the engine's structured
-- explanation (JSON: the names as compared, each token pair and how it
-- matched, the score's components, identifier/country/type checks), from
-- which the result's page renders the explanation in the reader's language.
-- Results opened before this migration keep only their English sentence.
ALTER TABLE screening_hits ADD COLUMN explanation_detail TEXT;
