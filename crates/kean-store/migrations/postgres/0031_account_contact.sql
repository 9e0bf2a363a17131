-- kean schema v31: one's own contact details (个人中心, issue 16 item 2). The holder
-- keeps their display name, telephone and e-mail on 我的账号; each change is audited
-- (profile_update, before and after).
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
